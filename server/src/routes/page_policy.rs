//! The Content-Security-Policy of pages: scripts only from this site or
//! with the response's nonce (the hydration scripts), WASM allowed, no
//! framing.
//!
//! The nonce is made here, per request, and handed to Leptos through the
//! request (`provide_nonce`), so the header and the page's scripts name the
//! same one without the header having to travel back out of the render.
//! Setting it from inside the render (through `ResponseOptions`) once let a
//! Get Number page go out with the fallback policy only, and the browser
//! refused its scripts.
use std::sync::Arc;

use axum::{
    extract::Request,
    http::{header, HeaderValue, Method},
    middleware::Next,
    response::Response,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;

/// The script nonce of the page this request renders.
#[derive(Clone, Debug)]
pub struct PageNonce(pub Arc<str>);

impl PageNonce {
    fn new() -> PageNonce {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        PageNonce(URL_SAFE_NO_PAD.encode(bytes).into())
    }
}

fn policy(nonce: &str) -> String {
    // `cargo leptos watch` reloads pages over a websocket on its own port.
    let dev_reload = if option_env!("LEPTOS_WATCH").is_some() { " ws://127.0.0.1:* ws://localhost:*" } else { "" };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'{dev_reload}; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

pub async fn set_page_policy(mut req: Request, next: Next) -> Response {
    // Client files and server functions are never pages.
    let path = req.uri().path();
    if !matches!(*req.method(), Method::GET | Method::HEAD) || path.starts_with("/pkg/") || path.starts_with("/api/") {
        return next.run(req).await;
    }
    let nonce = PageNonce::new();
    req.extensions_mut().insert(nonce.clone());
    let mut response = next.run(req).await;
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_page {
        if let Ok(value) = HeaderValue::from_str(&policy(&nonce.0)) {
            response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    response
}

/// In the Leptos context of a request: the scripts Leptos writes carry
/// this request's nonce (replacing the one `leptos_axum` made up).
pub fn provide_nonce() {
    use leptos::prelude::{provide_context, use_context};
    let nonce = use_context::<axum::http::request::Parts>().and_then(|parts| parts.extensions.get::<PageNonce>().cloned());
    if let Some(PageNonce(nonce)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_request_gets_its_own_nonce_in_the_policy() {
        let (a, b) = (PageNonce::new(), PageNonce::new());
        assert_ne!(a.0, b.0);
        assert!(a.0.len() >= 22, "128 bits");
        assert!(policy(&a.0).contains(&format!("script-src 'self' 'nonce-{}' 'wasm-unsafe-eval'", a.0)));
    }
}
