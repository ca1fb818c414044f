//! Integration tests: the real server on a random port against a fresh
//! SQLite file and a fresh PostgreSQL database. One test binary, so the
//! server is linked once.
#[macro_use]
mod common;

mod account_security;
mod accounts;
mod admin_console;
mod announcements;
mod backup;
mod balance_alerts;
mod bad_config;
mod foundation;
mod gateways;
mod leases;
mod ledger;
mod logs;
mod mail;
mod metrics;
mod page_cache;
mod reseller;
mod search_engines;
mod security;
mod stock_alerts;

mod tls;
mod top_up_requests;
mod two_step;
mod upstream;
mod webhooks;
