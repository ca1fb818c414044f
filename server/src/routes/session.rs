//! Resolves who is asking, once per request: client address, browser, and
//! the session from the cookies. An expired access token is renewed from
//! the refresh token here, so pages and server functions never see it.
use std::net::{IpAddr, SocketAddr};

use app::services::{
    request::RequestMeta,
    sessions::{self, cookie_names},
};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};

use crate::{config::TrustedProxy, startup::AppState};

pub async fn resolve_session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // Static files need no session.
    if is_static_file(req.uri().path()) {
        return next.run(req).await;
    }
    let meta = request_meta(&req, &state.config.trusted_proxies);
    req.extensions_mut().insert(meta.clone());

    let svc = &state.services;
    let (access_name, refresh_name) = cookie_names(svc.auth.secure_cookies);
    let access = cookie(&req, access_name);
    let refresh = cookie(&req, refresh_name);
    let mut set_cookies = Vec::new();

    let mut authenticated = None;
    if let Some(token) = access {
        match sessions::authenticate_access(svc, &token).await {
            Ok(found) => authenticated = found,
            Err(e) => tracing::warn!(error = %e, "session lookup failed"),
        }
    }
    if authenticated.is_none() {
        if let Some(token) = refresh {
            match sessions::refresh(svc, &token, &meta).await {
                Ok(Some((tokens, auth))) => {
                    set_cookies = sessions::cookie_headers(svc, &tokens);
                    // Later code in this request sees the new access token.
                    replace_cookie(&mut req, access_name, &tokens.access);
                    authenticated = Some(auth);
                }
                Ok(None) => set_cookies = sessions::clear_cookie_headers(svc),
                Err(e) => tracing::warn!(error = %e, "session refresh failed"),
            }
        }
    }
    if let Some(auth) = authenticated {
        req.extensions_mut().insert(auth);
    }

    let mut response = next.run(req).await;
    // What the handler decided wins: a sign-in over an ended session's
    // cookies must not be followed by their clearing (the browser applies
    // Set-Cookie lines in order, and would be signed out again), nor a
    // sign-out by the tokens renewed on the way in.
    let decided = handler_cookies(&response);
    for value in set_cookies {
        if decided.iter().any(|name| value.starts_with(&format!("{name}="))) {
            continue;
        }
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// The names of the cookies a response already sets.
fn handler_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|line| line.split_once('=').map(|(name, _)| name.trim().to_string()))
        .collect()
}

fn request_meta(req: &Request, trusted_proxies: &[TrustedProxy]) -> RequestMeta {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
    let forwarded = forwarded_for(req.headers());
    let ip = client_ip(peer, forwarded.as_deref(), trusted_proxies).map(|ip| ip.to_string()).unwrap_or_default();
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(512)
        .collect();
    RequestMeta { ip, user_agent }
}

/// Every X-Forwarded-For line, in order, as one list. Some proxies
/// (HAProxy's `option forwardfor`) add a line of their own instead of
/// extending the client's: reading only the first line took the client's
/// word for its address.
fn forwarded_for(headers: &axum::http::HeaderMap) -> Option<String> {
    let lines: Vec<&str> = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    (!lines.is_empty()).then(|| lines.join(","))
}

/// The socket peer, unless it is a trusted proxy: then the nearest
/// address in X-Forwarded-For that is not itself a trusted proxy.
fn client_ip(peer: Option<IpAddr>, forwarded: Option<&str>, trusted: &[TrustedProxy]) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|proxy| proxy.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let Some(forwarded) = forwarded else { return Some(peer) };
    let mut hops = forwarded.split(',').rev().map(str::trim);
    let mut last = peer;
    for hop in hops.by_ref() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => last = ip,
            Ok(ip) => return Some(ip),
            Err(_) => break,
        }
    }
    Some(last)
}

/// The client's files and the site's own (`public/`, copied to the site
/// root), the app manifest, and the files for search engines.
fn is_static_file(path: &str) -> bool {
    path.starts_with("/pkg/")
        || matches!(
            path,
            "/favicon.svg" | "/sw.js" | app::domain::COMMON_PASSWORDS_PATH | "/manifest.webmanifest" | "/robots.txt" | "/sitemap.xml" | "/icon-192.png" | "/icon-512.png" | "/icon-maskable-512.png" | "/apple-touch-icon.png"
        )
}

fn cookie(req: &Request, name: &str) -> Option<String> {
    app::services::request::cookie(req.headers(), name).map(str::to_string)
}

fn replace_cookie(req: &mut Request, name: &str, value: &str) {
    let others: Vec<String> = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.starts_with(&format!("{name}=")) && !p.is_empty())
        .collect();
    let mut all = others;
    all.push(format!("{name}={value}"));
    if let Ok(v) = HeaderValue::from_str(&all.join("; ")) {
        req.headers_mut().remove(header::COOKIE);
        req.headers_mut().insert(header::COOKIE, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let trusted: TrustedProxy = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let spoofed = Some("1.2.3.4, 203.0.113.7");
        assert_eq!(client_ip(Some(client), Some("1.2.3.4"), &[trusted]), Some(client), "untrusted peer: header ignored");
        assert_eq!(client_ip(Some(proxy), spoofed, &[trusted]), Some(client), "nearest untrusted hop");
        assert_eq!(client_ip(Some(proxy), None, &[trusted]), Some(proxy));
        assert_eq!(client_ip(Some(proxy), Some("garbage"), &[trusted]), Some(proxy));
        // A network of proxies: every hop inside it is skipped.
        let network: TrustedProxy = "10.0.0.0/8".parse().unwrap();
        assert_eq!(client_ip(Some(proxy), Some("203.0.113.7, 10.9.9.9"), &[network]), Some(client));
    }

    #[test]
    fn a_proxy_line_after_the_clients_own_is_the_one_believed() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let trusted: TrustedProxy = "10.0.0.1".parse().unwrap();
        let mut headers = axum::http::HeaderMap::new();
        headers.append("x-forwarded-for", "1.2.3.4".parse().unwrap()); // the client's claim
        headers.append("x-forwarded-for", "203.0.113.7".parse().unwrap()); // the proxy's line
        let forwarded = forwarded_for(&headers);
        assert_eq!(forwarded.as_deref(), Some("1.2.3.4,203.0.113.7"));
        assert_eq!(client_ip(Some(proxy), forwarded.as_deref(), &[trusted]), Some("203.0.113.7".parse().unwrap()));
        assert_eq!(forwarded_for(&axum::http::HeaderMap::new()), None);
    }
}
