//! The plain-HTTP listener beside HTTPS served here
//! (`USNH_HTTP_REDIRECT_LISTEN`): every request is sent to its HTTPS
//! address with a permanent redirect, so a visitor who typed the bare name
//! or followed an old http:// link lands on the site instead of a refused
//! connection. Certificate renewals that prove the domain over HTTP
//! (`certbot --webroot`) get their challenge files from
//! `USNH_ACME_WEBROOT`: with the port taken here, certbot cannot answer
//! on it itself.
use std::path::PathBuf;

use axum::{
    extract::{Path, State},
    http::{header, StatusCode, Uri},
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Router,
};

#[derive(Debug, Clone)]
struct Target {
    /// `USNH_PUBLIC_URL` when it is an https address: the one name to
    /// send visitors to, whatever Host they sent.
    public_url: Option<String>,
    /// The HTTPS listener's port, for a redirect built from the Host header.
    https_port: u16,
    acme_webroot: Option<PathBuf>,
}

pub fn router(public_url: Option<&str>, https_port: u16, acme_webroot: Option<PathBuf>) -> Router {
    let public_url = public_url
        .filter(|u| crate::http_url::is_https(u))
        .map(|u| u.trim_end_matches('/').to_string());
    Router::new()
        .route("/.well-known/acme-challenge/{token}", get(acme_challenge))
        .fallback(to_https)
        .with_state(Target { public_url, https_port, acme_webroot })
}

async fn to_https(State(target): State<Target>, headers: axum::http::HeaderMap, uri: Uri) -> Response {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let base = match &target.public_url {
        Some(url) => url.clone(),
        None => {
            let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()).and_then(host_name) else {
                return (StatusCode::BAD_REQUEST, "This site is served over HTTPS only.").into_response();
            };
            match target.https_port {
                443 => format!("https://{host}"),
                port => format!("https://{host}:{port}"),
            }
        }
    };
    Redirect::permanent(&format!("{base}{path}")).into_response()
}

/// The host of a Host header, without its port, when it is a plain name
/// or address: anything else is not put in a Location header.
fn host_name(host: &str) -> Option<&str> {
    if host.starts_with('[') {
        // "[v6]" or "[v6]:port"
        let end = host.find(']')?;
        host[1..end].parse::<std::net::Ipv6Addr>().ok()?;
        return Some(&host[..=end]);
    }
    let name = host.split(':').next().unwrap_or(host);
    let valid = !name.is_empty() && name.len() <= 253 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    valid.then_some(name)
}

/// A challenge file certbot wrote under the webroot, as certbot's own
/// standalone server would answer it.
async fn acme_challenge(State(target): State<Target>, Path(token): Path<String>) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "Not found.").into_response();
    // Tokens are base64url: no dots or slashes, so no way out of the directory.
    let valid = !token.is_empty() && token.len() <= 256 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let Some(webroot) = target.acme_webroot.filter(|_| valid) else {
        return not_found();
    };
    match tokio::fs::read(webroot.join(".well-known/acme-challenge").join(&token)).await {
        Ok(body) => ([(header::CONTENT_TYPE, "text/plain")], body).into_response(),
        Err(_) => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    async fn location(router: Router, host: &str, path: &str) -> String {
        let request = axum::http::Request::builder().uri(path).header("host", host).body(axum::body::Body::empty()).unwrap();
        let answer = router.oneshot(request).await.unwrap();
        assert_eq!(answer.status(), StatusCode::PERMANENT_REDIRECT);
        answer.headers()[header::LOCATION].to_str().unwrap().to_string()
    }

    #[tokio::test]
    async fn redirects_name_the_public_address_or_the_host_asked_for() {
        let public = router(Some("https://usnumhub.example/"), 8443, None);
        assert_eq!(location(public, "evil.example", "/a?b=1").await, "https://usnumhub.example/a?b=1");
        assert_eq!(location(router(None, 443, None), "usnumhub.example:80", "/x").await, "https://usnumhub.example/x");
        assert_eq!(location(router(None, 8443, None), "usnumhub.example", "/").await, "https://usnumhub.example:8443/");
        // An http public address is not where HTTPS is.
        assert_eq!(location(router(Some("http://usnumhub.example"), 443, None), "h.example", "/").await, "https://h.example/");
    }

    #[test]
    fn only_plain_host_names_reach_a_location() {
        assert_eq!(host_name("usnumhub.example"), Some("usnumhub.example"));
        assert_eq!(host_name("usnumhub.example:80"), Some("usnumhub.example"));
        assert_eq!(host_name("127.0.0.1:8080"), Some("127.0.0.1"));
        assert_eq!(host_name("[::1]:80"), Some("[::1]"));
        assert_eq!(host_name("evil.example/path"), None);
        assert_eq!(host_name("a b"), None);
        assert_eq!(host_name(""), None);
        assert_eq!(host_name("[nonsense]"), None);
    }
}
