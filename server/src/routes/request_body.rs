//! Request bodies are read whole before any handler runs: at most
//! `limit` bytes (else 413), arriving within `deadline` (else 408).
//! hyper bounds only the headers; a client trickling its body (a byte
//! every few seconds, under any per-read timeout) would otherwise hold its
//! connection and handler for as long as it liked. Every body here is
//! small and was read whole by its handler anyway.
//!
//! Bodies held at once share a budget (counted in KB), from before the
//! read until the handler is done: over HTTP/2 one connection carries a
//! hundred requests at a time, so per-request and per-connection caps
//! alone let a few hosts make the server buffer gigabytes. A request that
//! cannot get its share within the deadline is answered 503.
//!
//! It replaces tower-http's size limit, and is written as a layer rather
//! than with `from_fn` so that a request without a body (most of them)
//! passes straight through, with nothing boxed.
use std::{
    sync::Arc,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::{
    body::{to_bytes, Body, HttpBody},
    extract::Request,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use futures_util::future::{BoxFuture, Either};
use tokio::sync::Semaphore;
use tower::{Layer, Service};

#[derive(Debug, Clone)]
pub struct ReadWholeLayer {
    limit: usize,
    deadline: Duration,
    /// Kilobytes of bodies all requests may hold at once.
    budget: Arc<Semaphore>,
}

impl ReadWholeLayer {
    /// Bodies of at most `limit` bytes, each read within `deadline`, and
    /// at most `budget` bytes of them held at once.
    pub fn new(limit: usize, deadline: Duration, budget: usize) -> ReadWholeLayer {
        ReadWholeLayer { limit, deadline, budget: Arc::new(Semaphore::new(budget.div_ceil(1024))) }
    }
}

impl<S> Layer<S> for ReadWholeLayer {
    type Service = ReadWhole<S>;

    fn layer(&self, inner: S) -> ReadWhole<S> {
        ReadWhole { inner, limit: self.limit, deadline: self.deadline, budget: self.budget.clone() }
    }
}

#[derive(Debug, Clone)]
pub struct ReadWhole<S> {
    inner: S,
    limit: usize,
    deadline: Duration,
    budget: Arc<Semaphore>,
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
        let (limit, deadline, budget) = (self.limit, self.deadline, self.budget.clone());
        Either::Right(Box::pin(async move {
            let started = Instant::now();
            let (parts, body) = req.into_parts();
            if body.size_hint().lower() > limit as u64 {
                return Ok(refuse(StatusCode::PAYLOAD_TOO_LARGE, "The request is too large."));
            }
            // A body of unknown length may take the whole limit.
            let share = body.size_hint().upper().map_or(limit, |n| (n as usize).min(limit)).div_ceil(1024).max(1);
            let Ok(Ok(_held)) = tokio::time::timeout(deadline, budget.acquire_many_owned(share as u32)).await else {
                return Ok(refuse(StatusCode::SERVICE_UNAVAILABLE, "The server is busy; try again in a moment."));
            };
            match tokio::time::timeout(deadline.saturating_sub(started.elapsed()), to_bytes(body, limit)).await {
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::Notify;
    use tower::ServiceExt;

    fn post(bytes: usize) -> Request {
        Request::builder().method("POST").uri("/api/x").body(Body::from(vec![b'x'; bytes])).unwrap()
    }

    /// Bodies held at once stay within the budget, from the read until the
    /// handler is done: a request that cannot get its share in time is told
    /// the server is busy, and gets through once the budget comes back.
    #[tokio::test]
    async fn bodies_held_at_once_share_a_budget() {
        let release = Arc::new(Notify::new());
        // Answers with the body's length; a 256 KB body's handler waits.
        let handler = tower::service_fn({
            let release = release.clone();
            move |req: Request| {
                let release = release.clone();
                async move {
                    let bytes = to_bytes(req.into_body(), usize::MAX).await.unwrap_or_default();
                    if bytes.len() == 256 * 1024 {
                        release.notified().await;
                    }
                    Ok::<_, std::convert::Infallible>(bytes.len().to_string().into_response())
                }
            }
        });
        let service = ReadWholeLayer::new(256 * 1024, Duration::from_millis(300), 300 * 1024).layer(handler);

        let first = tokio::spawn(service.clone().oneshot(post(256 * 1024)));
        tokio::time::sleep(Duration::from_millis(50)).await;
        let busy = service.clone().oneshot(post(100 * 1024)).await.unwrap();
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE, "256 + 100 KB is over the budget");
        let small = service.clone().oneshot(post(10 * 1024)).await.unwrap();
        assert_eq!(to_bytes(small.into_body(), 100).await.unwrap(), "10240", "a body that fits the rest");

        release.notify_one();
        assert_eq!(first.await.unwrap().unwrap().status(), StatusCode::OK);
        let after = service.oneshot(post(100 * 1024)).await.unwrap();
        assert_eq!(to_bytes(after.into_body(), 100).await.unwrap(), "102400", "the budget came back");
    }
}
