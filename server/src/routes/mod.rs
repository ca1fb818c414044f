//! Routes and middleware that are not pages.
pub mod csrf;
pub mod dev_outbox;
pub mod export;
pub mod health;
pub mod http_redirect;
pub mod ledger_export;
pub mod live;
pub mod nul_input;
pub mod page_cache;
pub mod page_policy;
pub mod panics;
pub mod request_body;
pub mod reseller;
pub mod server_fn_errors;
pub mod session;
pub mod static_files;
pub mod webhooks;
