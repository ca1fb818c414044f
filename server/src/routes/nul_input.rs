//! Server functions refuse input holding a NUL character. No field takes
//! one, and PostgreSQL refuses it in text (a 500 where SQLite would store
//! it), so it is answered here, once, before any function runs, as a
//! server function answers an error: `server_fn_errors` (the layer
//! outside this one) gives it its status, a 400 that says why, the same
//! on both databases. Webhooks are not behind this: an SMS is never
//! refused, its text is cleaned instead.
use app::error::AppError;
use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

pub async fn refuse_nul(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let in_query = req.uri().query().is_some_and(|q| holds_nul(q.as_bytes()));
    let (parts, body) = req.into_parts();
    // Read whole, within its size and time, outside this layer.
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    if in_query || holds_nul(&bytes) {
        let error = AppError::Invalid("Text with a NUL character cannot be saved; remove it and try again.".into());
        let json = serde_json::to_string(&error).unwrap_or_default();
        return (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "application/json")], json).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// A NUL as sent: raw, or percent-encoded in a form or query string.
fn holds_nul(encoded: &[u8]) -> bool {
    encoded.contains(&0) || encoded.windows(3).any(|w| w == b"%00")
}

#[cfg(test)]
mod tests {
    use super::holds_nul;

    #[test]
    fn finds_raw_and_encoded_nuls_only() {
        assert!(holds_nul(b"subject=a%00b"));
        assert!(holds_nul(b"subject=a\0b"));
        assert!(!holds_nul(b"subject=100%2500&price=1.00"), "a typed \"%00\" is sent as %2500");
        assert!(!holds_nul(b"amount=100"));
    }
}
