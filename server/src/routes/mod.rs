//! Routes and middleware that are not pages.
use app::error::AppError;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

pub mod common_passwords;
pub mod csrf;
pub mod dev_outbox;
pub mod export;
pub mod health;
pub mod http_redirect;
pub mod ledger_export;
pub mod live;
pub mod manifest;
pub mod nul_input;
pub mod page_cache;
pub mod page_policy;
pub mod panics;
pub mod request_body;
pub mod reseller;
pub mod search_engines;
pub mod server_fn_errors;
pub mod session;
pub mod static_files;
pub mod theme;
pub mod webhooks;

/// The HTTP status an `AppError` is sent with.
pub fn status_of(error: &AppError) -> StatusCode {
    StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An `AppError` as a plain route's answer: its status, and the text a
/// user may see. (Server functions get theirs from `server_fn_errors`.)
pub fn error_response(error: AppError) -> Response {
    let mut response = (status_of(&error), error.to_string()).into_response();
    if let Some(seconds) = retry_after(&error) {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds);
    }
    response
}

/// How long a rate-limited client should wait, as a Retry-After value.
pub fn retry_after(error: &AppError) -> Option<axum::http::HeaderValue> {
    match error {
        AppError::RateLimited(seconds) => axum::http::HeaderValue::from_str(&seconds.to_string()).ok(),
        _ => None,
    }
}
