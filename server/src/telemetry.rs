//! Structured logs with tracing. `USNH_LOG_FORMAT=json` for machines,
//! `RUST_LOG` to filter.
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let registry = tracing_subscriber::registry().with(filter);
    // try_init: tests start several apps in one process.
    let _ = if format == "json" {
        registry.with(fmt::layer().json().with_current_span(true)).try_init()
    } else {
        registry.with(fmt::layer().with_target(false)).try_init()
    };
}
