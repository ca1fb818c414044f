//! The one error type server functions return. Each variant carries only
//! what a user may see; internal details are logged on the server.
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Bad input; the message says what to fix.
    #[error("{0}")]
    Invalid(String),
    #[error("Please sign in first.")]
    Unauthenticated,
    /// The password was right; the account asks for its second step.
    #[error("Enter the code from your authenticator app, or one of your recovery codes.")]
    SecondStepNeeded,
    #[error("You are not allowed to do that.")]
    Forbidden,
    /// An admin without two-step sign-in, where the operator requires it.
    #[error("Administrators must turn on two-step sign-in before using the admin console: set it up on your Account page.")]
    TwoStepRequired,
    #[error("Not found.")]
    NotFound,
    /// Seconds to wait.
    #[error("Too many attempts. Try again in {}.", wait_text(*.0))]
    RateLimited(u64),
    /// A dependency is down for a moment; the message says what to do.
    #[error("{0}")]
    Unavailable(String),
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request never got a proper answer (network, decoding).
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

/// "40 seconds", "5 minutes", "3 hours": rounded up, so the wait is over
/// when the text says.
pub(crate) fn wait_text(seconds: u64) -> String {
    let (count, unit) = match seconds {
        0..90 => (seconds.max(1), "second"),
        90..5_400 => (seconds.div_ceil(60), "minute"),
        _ => (seconds.div_ceil(3_600), "hour"),
    };
    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
}

impl AppError {
    /// The HTTP status this error is sent with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid(_) => 400,
            AppError::Unauthenticated | AppError::SecondStepNeeded => 401,
            AppError::Forbidden | AppError::TwoStepRequired => 403,
            AppError::NotFound => 404,
            AppError::RateLimited(_) => 429,
            AppError::Unavailable(_) => 503,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::Deserialization(msg) => {
                AppError::Invalid(format!("The request was not understood: {msg}"))
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AppError;

    #[test]
    fn waits_read_in_the_unit_that_fits() {
        let text = |s| AppError::RateLimited(s).to_string();
        assert_eq!(text(1), "Too many attempts. Try again in 1 second.");
        assert_eq!(text(59), "Too many attempts. Try again in 59 seconds.");
        assert_eq!(text(300), "Too many attempts. Try again in 5 minutes.");
        assert_eq!(text(301), "Too many attempts. Try again in 6 minutes.");
        assert_eq!(text(86_000), "Too many attempts. Try again in 24 hours.");
    }
}
