//! A request's body must arrive within the client timeout, whole, before
//! any handler runs. hyper bounds only the headers; a client trickling its
//! body (a byte every few seconds, under any per-read timeout, up to the
//! size cap) would hold its connection and handler for as long as it
//! liked. Every body here is small (capped) and read whole by its handler
//! anyway, so reading it first costs nothing.
use std::time::Duration;

use axum::{
    body::{to_bytes, Body, HttpBody},
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::startup::AppState;

pub async fn read_in_time(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.body().is_end_stream() {
        return next.run(req).await;
    }
    let deadline = Duration::from_secs(state.config.client_timeout_secs);
    let (parts, body) = req.into_parts();
    // The size cap is enforced outside this layer, by the body it hands us.
    match tokio::time::timeout(deadline, to_bytes(body, usize::MAX)).await {
        Ok(Ok(bytes)) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Ok(Err(e)) if too_large(&e) => (StatusCode::PAYLOAD_TOO_LARGE, "The request is too large.").into_response(),
        // The client went away or sent a broken body; nobody reads this.
        Ok(Err(_)) => (StatusCode::BAD_REQUEST, "The request arrived broken.").into_response(),
        Err(_) => (StatusCode::REQUEST_TIMEOUT, "The request took too long to arrive; try again.").into_response(),
    }
}

/// A refusal sent before the body was read (413 from the size cap, 408
/// from the deadline) closes the connection and says so: the unread rest
/// would otherwise be taken for the next request, so the server closes it,
/// and a client that reused it for its next request saw that one fail.
pub async fn close_when_body_unread(mut response: Response) -> Response {
    if matches!(response.status(), StatusCode::PAYLOAD_TOO_LARGE | StatusCode::REQUEST_TIMEOUT) {
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

fn too_large(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}
