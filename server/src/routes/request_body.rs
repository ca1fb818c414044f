//! Request bodies are read whole before any handler runs: at most
//! `limit` bytes (else 413), arriving within `deadline` (else 408).
//! hyper bounds only the headers; a client trickling its body (a byte
//! every few seconds, under any per-read timeout) would otherwise hold its
//! connection and handler for as long as it liked. Every body here is
//! small and was read whole by its handler anyway.
//!
//! It replaces tower-http's size limit, and is written as a layer rather
//! than with `from_fn` so that a request without a body (most of them)
//! passes straight through, with nothing boxed.
use std::{
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    body::{to_bytes, Body, HttpBody},
    extract::Request,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use futures_util::future::{BoxFuture, Either};
use tower::{Layer, Service};

#[derive(Debug, Clone, Copy)]
pub struct ReadWholeLayer {
    pub limit: usize,
    pub deadline: Duration,
}

impl<S> Layer<S> for ReadWholeLayer {
    type Service = ReadWhole<S>;

    fn layer(&self, inner: S) -> ReadWhole<S> {
        ReadWhole { inner, limit: self.limit, deadline: self.deadline }
    }
}

#[derive(Debug, Clone)]
pub struct ReadWhole<S> {
    inner: S,
    limit: usize,
    deadline: Duration,
}

impl<S> Service<Request> for ReadWhole<S>
where
    S: Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<S::Future, BoxFuture<'static, Result<Response, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if req.body().is_end_stream() {
            return Either::Left(self.inner.call(req));
        }
        // The service that was made ready serves this request.
        let fresh = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, fresh);
        let (limit, deadline) = (self.limit, self.deadline);
        Either::Right(Box::pin(async move {
            let (parts, body) = req.into_parts();
            if body.size_hint().lower() > limit as u64 {
                return Ok(refuse(StatusCode::PAYLOAD_TOO_LARGE, "The request is too large."));
            }
            match tokio::time::timeout(deadline, to_bytes(body, limit)).await {
                Ok(Ok(bytes)) => inner.call(Request::from_parts(parts, Body::from(bytes))).await,
                Ok(Err(e)) if too_large(&e) => Ok(refuse(StatusCode::PAYLOAD_TOO_LARGE, "The request is too large.")),
                // The client went away or sent a broken body.
                Ok(Err(_)) => Ok(refuse(StatusCode::BAD_REQUEST, "The request arrived broken.")),
                Err(_) => Ok(refuse(StatusCode::REQUEST_TIMEOUT, "The request took too long to arrive; try again.")),
            }
        }))
    }
}

/// Refused before the body was read whole: the unread rest would read as
/// the next request, so the connection closes, and says so, or a client
/// that reused it would see its next request fail.
fn refuse(status: StatusCode, why: &'static str) -> Response {
    (status, [(header::CONNECTION, "close")], why).into_response()
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
