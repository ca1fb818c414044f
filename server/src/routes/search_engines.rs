//! `GET /robots.txt` and `GET /sitemap.xml`: what search engines may read
//! (the public pages, the prices and one page per platform) and what not
//! (accounts, the admin console, the machine interfaces). A demo server
//! (no real numbers) asks them to read nothing, so that it never competes
//! with the real site.
use axum::{
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};

use crate::startup::AppState;

/// Pages that are a visitor's and worth finding, besides the platforms',
/// with the date their text last changed where we keep one. The others show
/// prices and stock, which change by the minute: a date there would mean
/// nothing, and search engines ignore a sitemap's dates once they find
/// them wrong.
const PUBLIC_PAGES: [(&str, Option<&str>); 6] = [
    ("/", None),
    ("/get-number", None),
    ("/policies", Some(app::pages::policies::POLICIES_LAST_UPDATED)),
    ("/support", None),
    ("/docs/api", None),
    ("/sign-up", None),
];

/// Private or machine paths (prefixes); pages behind a sign-in, tokens in
/// links, and endpoints no search engine should call.
const PRIVATE: [&str; 12] = [
    "/admin", "/account", "/wallet", "/numbers", "/support/", "/verify-email", "/reset-password", "/events", "/api/", "/stubs/", "/webhooks/",
    "/dev/",
];

pub async fn robots_txt(State(state): State<AppState>) -> Response {
    let text = robots(state.config.demo(), state.config.site_address());
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

fn robots(demo: bool, site: Option<&str>) -> String {
    if demo {
        return "# A demonstration server: nothing here to index.\nUser-agent: *\nDisallow: /\n".to_owned();
    }
    let mut text = String::from("User-agent: *\n");
    for path in PRIVATE {
        text.push_str(&format!("Disallow: {path}\n"));
    }
    text.push_str("Allow: /\n");
    if let Some(site) = site {
        text.push_str(&format!("\nSitemap: {site}/sitemap.xml\n"));
    }
    text
}

/// A sitemap holds absolute addresses: without `USNH_PUBLIC_URL` there is
/// none (a Host header is the client's to write).
pub async fn sitemap_xml(State(state): State<AppState>) -> Response {
    let Some(site) = state.config.site_address() else {
        return (StatusCode::NOT_FOUND, "No sitemap: the site's address (USNH_PUBLIC_URL) is not configured.").into_response();
    };
    let platforms = match app::services::platforms::list_enabled(&state.services).await {
        Ok(platforms) => platforms,
        Err(e) => return super::error_response(e),
    };
    let pages = PUBLIC_PAGES
        .iter()
        .map(|(path, changed)| ((*path).to_owned(), *changed))
        .chain(platforms.iter().map(|p| (app::pages::platform::platform_page_href(&p.slug), None)));
    ([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], sitemap(site, pages)).into_response()
}

/// `pages`: paths with the day (YYYY-MM-DD) their content last changed.
fn sitemap<'a>(site: &str, pages: impl Iterator<Item = (String, Option<&'a str>)>) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (path, changed) in pages {
        // Slugs and the configured address hold no markup; escaped anyway.
        let lastmod = changed.map(|day| format!("<lastmod>{}</lastmod>", escape_xml(day))).unwrap_or_default();
        xml.push_str(&format!("  <url><loc>{}</loc>{lastmod}</url>\n", escape_xml(&format!("{site}{path}"))));
    }
    xml.push_str("</urlset>\n");
    xml
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demo_server_is_not_indexed() {
        assert!(robots(true, Some("https://x.example")).ends_with("Disallow: /\n"));
        let real = robots(false, Some("https://x.example"));
        assert!(real.contains("Disallow: /admin\n") && real.contains("Allow: /\n"));
        assert!(real.ends_with("Sitemap: https://x.example/sitemap.xml\n"));
        assert!(!robots(false, None).contains("Sitemap"));
    }

    #[test]
    fn sitemap_addresses_are_absolute_and_escaped() {
        let xml = sitemap("https://x.example", [("/".to_owned(), None), ("/a&b".to_owned(), Some("2026-11-25"))].into_iter());
        assert!(xml.contains("<url><loc>https://x.example/</loc></url>"));
        assert!(xml.contains("<url><loc>https://x.example/a&amp;b</loc><lastmod>2026-11-25</lastmod></url>"));
    }
}
