//! Server-only services, one module per area. Plain async functions over
//! the database handle and domain types; server functions and routes are
//! thin edges over them.
pub mod accounts;
pub mod announcements;
pub mod admin_users;
pub mod api_keys;
pub mod audit;
pub mod callbacks;
pub mod code_extraction;
pub mod constant_time;
pub mod clock;
pub mod context;
pub mod dashboard;
pub mod data_export;
pub mod db;
pub mod email_change;
pub mod email_codes;
pub mod events;
pub mod inbound_sms;
pub mod lease_labels;
pub mod leases;
pub mod ledger;
pub mod ledger_export;
pub mod numbers;
pub mod operator_alerts;
pub mod paging;
pub mod mailer;
pub mod passwords;
pub mod platforms;
pub mod providers;
pub mod rate_limit;
pub mod recharge;
pub mod reseller;
pub mod request;
pub mod saved_replies;
pub mod security_log;
pub mod session_cache;
pub mod shortages;
pub mod sessions;
pub mod stock;
pub mod silent_numbers;
pub mod balance_alerts;
pub mod stock_alerts;
pub mod supply_attention;
pub mod staff_notes;
pub mod support;
pub mod support_mail;
pub mod tokens;
pub mod top_up_requests;
pub mod two_step;
pub mod upstream;
pub mod webhook_signatures;

pub use context::{services, AuthSettings, LeaseSettings, Services};

use crate::error::AppError;

/// Database faults are logged with their details and shown as `Internal`.
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        tracing::error!(%error, "database error");
        AppError::Internal
    }
}
