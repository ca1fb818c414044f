//! The US Num Hub server: configuration, database, routes that are not
//! pages, background tasks and the command line.
pub mod backup;
pub mod cli;
pub mod config;
pub mod connection_limit;
pub mod http_url;
pub mod metrics;
pub mod routes;
pub mod secrets;
pub mod startup;
pub mod telemetry;
pub mod tls;
pub mod workers;

pub use startup::{Application, StartupError};
