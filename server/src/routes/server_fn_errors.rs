//! Server functions answer every error with status 500 and the error as
//! JSON; this gives each `AppError` its own status (400, 401, 403, 404,
//! 429, 503) in one place.
use app::error::AppError;
use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{header, StatusCode},
    middleware::Next,
    response::Response,
};

/// Error bodies are small; anything larger is left alone.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn set_error_status(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = super::status_of(&error);
        if let Some(seconds) = super::retry_after(&error) {
            parts.headers.insert(header::RETRY_AFTER, seconds);
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
