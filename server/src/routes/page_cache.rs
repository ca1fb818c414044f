//! Rendered HTML of the static public pages (Policies, API docs) for
//! visitors without a session, reused for a minute instead of rendering
//! each time. Each response still gets its own script nonce: the cached
//! body's nonce is replaced by this request's (`page_policy`, which names
//! it in the policy). Pages that show account or catalogue data are never
//! cached.
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use axum::{
    body::{to_bytes, Body},
    extract::{Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use super::page_policy::PageNonce;
use crate::startup::AppState;

/// Pages whose HTML depends only on the configuration (and the
/// announcement).
const CACHEABLE: [&str; 2] = ["/policies", "/docs/api"];
const FRESH_FOR: Duration = Duration::from_secs(60);
const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

struct Cached {
    body: String,
    nonce: PageNonce,
    headers: HeaderMap,
    stored: Instant,
    /// The announcement board's version it was rendered with: the banner
    /// is on every page, so a change makes the copy stale.
    announcement: u64,
}

#[derive(Default)]
pub struct PageCache {
    pages: Mutex<HashMap<&'static str, Cached>>,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageCache")
    }
}

fn anonymous(req: &Request) -> bool {
    !req.headers().get_all(header::COOKIE).iter().any(|v| v.to_str().map(|c| c.contains("usnh_")).unwrap_or(true))
}

fn respond(cached: &Cached, nonce: &PageNonce) -> Response {
    let mut response = Response::new(Body::from(cached.body.replace(&*cached.nonce.0, &nonce.0)));
    *response.headers_mut() = cached.headers.clone();
    response.headers_mut().remove(header::CONTENT_LENGTH);
    response
}

pub async fn serve_cached(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(path) = CACHEABLE.iter().copied().find(|p| *p == req.uri().path()) else {
        return next.run(req).await;
    };
    let Some(nonce) = req.extensions().get::<PageNonce>().cloned() else {
        return next.run(req).await;
    };
    if req.method() != Method::GET || req.uri().query().is_some() || !anonymous(&req) {
        return next.run(req).await;
    }
    if let Some(cached) = state.page_cache.pages.lock().unwrap_or_else(|e| e.into_inner()).get(path) {
        if cached.stored.elapsed() < FRESH_FOR && cached.announcement == state.services.announcements.version() {
            return respond(cached, &nonce);
        }
    }
    let announcement = state.services.announcements.version();
    let response = next.run(req).await;
    if response.status() != StatusCode::OK || response.headers().contains_key(header::SET_COOKIE) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_PAGE_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    // Only a page whose scripts carry this request's nonce can have it replaced.
    let Some(text) = String::from_utf8(bytes.to_vec()).ok().filter(|t| t.contains(&format!("nonce=\"{}\"", nonce.0))) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let cached = Cached { body: text, nonce: nonce.clone(), headers: parts.headers, stored: Instant::now(), announcement };
    let response = respond(&cached, &nonce);
    state.page_cache.pages.lock().unwrap_or_else(|e| e.into_inner()).insert(path, cached);
    response
}
