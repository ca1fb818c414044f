//! Rendered HTML of the static public pages (Policies, API docs) for
//! visitors without a session, reused for a minute instead of rendering
//! each time. Each response still gets its own script nonce: the cached
//! body's nonce is replaced, and the Content-Security-Policy names the new
//! one. Pages that show account or catalogue data are never cached.
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use axum::{
    body::{to_bytes, Body},
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;

use crate::startup::AppState;

/// Pages whose HTML depends only on the configuration.
const CACHEABLE: [&str; 2] = ["/policies", "/docs/api"];
const FRESH_FOR: Duration = Duration::from_secs(60);
const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

struct Cached {
    body: String,
    nonce: String,
    headers: HeaderMap,
    stored: Instant,
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

fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The nonce a rendered page's policy names.
fn nonce_of(headers: &HeaderMap) -> Option<String> {
    let policy = headers.get(header::CONTENT_SECURITY_POLICY)?.to_str().ok()?;
    let start = policy.find("'nonce-")? + "'nonce-".len();
    let end = start + policy[start..].find('\'')?;
    Some(policy[start..end].to_string())
}

fn anonymous(req: &Request) -> bool {
    !req.headers().get_all(header::COOKIE).iter().any(|v| v.to_str().map(|c| c.contains("usnh_")).unwrap_or(true))
}

fn respond(cached: &Cached) -> Response {
    let nonce = new_nonce();
    let mut response = Response::new(Body::from(cached.body.replace(&cached.nonce, &nonce)));
    *response.headers_mut() = cached.headers.clone();
    if let Some(policy) = cached.headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()) {
        if let Ok(value) = HeaderValue::from_str(&policy.replace(&cached.nonce, &nonce)) {
            response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    response.headers_mut().remove(header::CONTENT_LENGTH);
    response
}

pub async fn serve_cached(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(path) = CACHEABLE.iter().copied().find(|p| *p == req.uri().path()) else {
        return next.run(req).await;
    };
    if req.method() != Method::GET || req.uri().query().is_some() || !anonymous(&req) {
        return next.run(req).await;
    }
    if let Some(cached) = state.page_cache.pages.lock().unwrap_or_else(|e| e.into_inner()).get(path) {
        if cached.stored.elapsed() < FRESH_FOR {
            return respond(cached);
        }
    }
    let response = next.run(req).await;
    if response.status() != StatusCode::OK || response.headers().contains_key(header::SET_COOKIE) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_PAGE_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let (Some(nonce), Ok(text)) = (nonce_of(&parts.headers), String::from_utf8(bytes.to_vec())) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let cached = Cached { body: text, nonce, headers: parts.headers, stored: Instant::now() };
    let response = respond(&cached);
    state.page_cache.pages.lock().unwrap_or_else(|e| e.into_inner()).insert(path, cached);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_policy_nonce() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'self'; script-src 'self' 'nonce-abc_DEF-1' 'wasm-unsafe-eval'"));
        assert_eq!(nonce_of(&headers).as_deref(), Some("abc_DEF-1"));
        assert_ne!(new_nonce(), new_nonce());
    }
}
