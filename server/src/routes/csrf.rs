//! Cross-site request forgery defence for cookie-authenticated requests:
//! state changes only by POST (and other unsafe methods) from our own
//! origin — Sec-Fetch-Site, with Origin and then Referer as fallbacks —
//! on top of SameSite=Lax cookies. Leptos server functions have no CSRF
//! check of their own.
use axum::{
    extract::{Request, State},
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Paths authenticated by a signature or an API key, not by cookies.
const NOT_COOKIE_AUTHENTICATED: [&str; 2] = ["/webhooks/", "/stubs/"];

/// Where our own pages are, besides the address a request names.
#[derive(Debug, Clone, Default)]
pub struct OwnOrigin {
    /// "host[:port]" of `USNH_PUBLIC_URL`: behind a proxy that passes its
    /// own address upstream as Host, the browser's Origin names this one.
    public_host: Option<String>,
}

impl OwnOrigin {
    pub fn new(public_url: Option<&str>) -> OwnOrigin {
        OwnOrigin { public_host: public_url.and_then(url_host).map(str::to_ascii_lowercase) }
    }
}

pub async fn same_origin_only(State(own): State<OwnOrigin>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || NOT_COOKIE_AUTHENTICATED.iter().any(|p| req.uri().path().starts_with(p))
    {
        return next.run(req).await;
    }
    if !is_same_origin(&req, &own) {
        tracing::warn!(path = %req.uri().path(), "cross-origin state change refused");
        return (StatusCode::FORBIDDEN, "Cross-site requests are not allowed.").into_response();
    }
    next.run(req).await
}

fn is_same_origin(req: &Request, own: &OwnOrigin) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    // Browsers without Fetch Metadata (Safari before 16.4). HTTP/2 names
    // the address in the request line (:authority), not in a Host header.
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).or_else(|| req.uri().authority().map(|a| a.as_str()));
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(source_host) = source.and_then(url_host) else {
        return false;
    };
    host.is_some_and(|h| source_host.eq_ignore_ascii_case(h))
        || own.public_host.as_deref().is_some_and(|h| source_host.eq_ignore_ascii_case(h))
}

/// "host[:port]" of an absolute http(s) URL.
fn url_host(url: &str) -> Option<&str> {
    crate::http_url::scheme_and_host(url).map(|(_, host)| host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder().method("POST").uri("/api/sign_out").header("host", "127.0.0.1:3000");
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn decides_by_fetch_metadata_then_origin_then_referer() {
        let own = OwnOrigin::default();
        assert!(is_same_origin(&req(&[("sec-fetch-site", "same-origin")]), &own));
        assert!(!is_same_origin(&req(&[("sec-fetch-site", "cross-site"), ("origin", "http://127.0.0.1:3000")]), &own));
        assert!(!is_same_origin(&req(&[("sec-fetch-site", "same-site")]), &own));
        assert!(is_same_origin(&req(&[("origin", "http://127.0.0.1:3000")]), &own));
        assert!(!is_same_origin(&req(&[("origin", "http://evil.example")]), &own));
        assert!(!is_same_origin(&req(&[("origin", "http://127.0.0.1:3000.evil.example")]), &own));
        assert!(is_same_origin(&req(&[("referer", "http://127.0.0.1:3000/account")]), &own));
        assert!(!is_same_origin(&req(&[]), &own));
    }

    /// A proxy that sends its upstream address as Host: the public address
    /// is ours too, and nothing else is.
    #[test]
    fn the_public_address_is_our_origin() {
        let own = OwnOrigin::new(Some("HTTPS://usnumhub.example"));
        assert!(is_same_origin(&req(&[("origin", "https://usnumhub.example")]), &own));
        assert!(!is_same_origin(&req(&[("origin", "https://usnumhub.example.evil.example")]), &own));
        assert!(!is_same_origin(&req(&[("origin", "https://evil.example")]), &own));
        assert!(!is_same_origin(&req(&[("sec-fetch-site", "cross-site"), ("origin", "https://usnumhub.example")]), &own));
    }

    /// HTTP/2 requests carry their address in the URI, with no Host header.
    #[test]
    fn http2_requests_name_their_address_in_the_uri() {
        let h2 = |origin: &str| {
            Request::builder()
                .method("POST")
                .uri("https://usnumhub.example/api/sign_out")
                .header("origin", origin)
                .body(axum::body::Body::empty())
                .unwrap()
        };
        let own = OwnOrigin::default();
        assert!(is_same_origin(&h2("https://usnumhub.example"), &own));
        assert!(!is_same_origin(&h2("https://evil.example"), &own));
    }
}
