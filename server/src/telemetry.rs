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
        // Colours for a terminal only: journald and log files would keep
        // the escape codes.
        let colours = std::io::IsTerminal::is_terminal(&std::io::stdout());
        registry.with(fmt::layer().with_target(false).with_ansi(colours)).try_init()
    };
    log_panics();
}

/// A panic is logged as an error event like any other (in JSON with the
/// rest, inside the request's span with its request id), not as a bare
/// line on stderr beside the log. The request itself is answered by
/// `routes::panics`.
fn log_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let message = info.payload_as_str().unwrap_or_default();
            let location = info.location().map(|l| l.to_string()).unwrap_or_default();
            // Captured only when RUST_BACKTRACE asks for it.
            let backtrace = std::backtrace::Backtrace::capture();
            tracing::error!(panic = %message, %location, %backtrace, "panicked");
        }));
    });
}
