//! Cross-site request forgery defence for cookie-authenticated requests:
//! state changes only by POST (and other unsafe methods) from our own
//! origin — Sec-Fetch-Site, with Origin and then Referer as fallbacks —
//! on top of SameSite=Lax cookies. Leptos server functions have no CSRF
//! check of their own.
use axum::{
    extract::Request,
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Paths authenticated by a signature or an API key, not by cookies.
const NOT_COOKIE_AUTHENTICATED: [&str; 2] = ["/webhooks/", "/stubs/"];

pub async fn same_origin_only(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || NOT_COOKIE_AUTHENTICATED.iter().any(|p| req.uri().path().starts_with(p))
    {
        return next.run(req).await;
    }
    if !is_same_origin(&req) {
        tracing::warn!(path = %req.uri().path(), "cross-origin state change refused");
        return (StatusCode::FORBIDDEN, "Cross-site requests are not allowed.").into_response();
    }
    next.run(req).await
}

fn is_same_origin(req: &Request) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    match source.and_then(|s| url_host(s)) {
        Some(source_host) => source_host.eq_ignore_ascii_case(host),
        None => false,
    }
}

/// "host[:port]" of an absolute http(s) URL.
fn url_host(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    Some(rest.split(['/', '?', '#']).next().unwrap_or(rest))
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
        assert!(is_same_origin(&req(&[("sec-fetch-site", "same-origin")])));
        assert!(!is_same_origin(&req(&[("sec-fetch-site", "cross-site"), ("origin", "http://127.0.0.1:3000")])));
        assert!(!is_same_origin(&req(&[("sec-fetch-site", "same-site")])));
        assert!(is_same_origin(&req(&[("origin", "http://127.0.0.1:3000")])));
        assert!(!is_same_origin(&req(&[("origin", "http://evil.example")])));
        assert!(!is_same_origin(&req(&[("origin", "http://127.0.0.1:3000.evil.example")])));
        assert!(is_same_origin(&req(&[("referer", "http://127.0.0.1:3000/account")])));
        assert!(!is_same_origin(&req(&[])));
    }
}
