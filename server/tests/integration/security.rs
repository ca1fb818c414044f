//! Cross-site request forgery and security headers.
use crate::common;

use common::{signed_up as signed_in, TestApp};


backend_tests!(cross_origin_post_is_refused, state_change_over_get_is_refused, pages_carry_security_headers);

async fn cross_origin_post_is_refused(app: TestApp) {
    let mut browser = signed_in(&app, "csrf_target").await;
    let cookie = browser.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    for headers in [
        vec![("origin", "http://evil.example")],
        vec![("sec-fetch-site", "cross-site"), ("origin", "http://evil.example")],
        vec![("referer", "http://evil.example/page")],
        vec![],
    ] {
        let mut req = browser.client.post(app.url("/api/sign_out")).header("cookie", &cookie).form(&[("x", "1")]);
        for (k, v) in &headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 403, "{headers:?}");
    }
    assert_eq!(browser.viewer().await["username"], "csrf_target", "still signed in");
}

async fn state_change_over_get_is_refused(app: TestApp) {
    let mut browser = signed_in(&app, "get_target").await;
    for path in ["/api/sign_out", "/api/sign_out_others", "/api/sign_up?email=a@b.co&username=abc&password=purple+tiger+eats+nine+plums&adult_and_terms=yes"] {
        let answer = browser.get(path).await;
        assert!(answer.status >= 400, "GET {path} answered {}", answer.status);
    }
    assert_eq!(browser.viewer().await["username"], "get_target", "still signed in");
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(users, 1);
}

async fn pages_carry_security_headers(app: TestApp) {
    let resp = app.client.get(app.url("/policies")).send().await.unwrap();
    let headers = resp.headers().clone();
    let html = resp.text().await.unwrap();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "strict-origin-when-cross-origin");
    assert!(headers.get("strict-transport-security").is_none(), "no HSTS over plain HTTP");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("a nonce");
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries the nonce");

    assert_eq!(headers["cache-control"], "no-store", "no cache keeps a page");

    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(resp.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    // A signed-in page and the data the browser asks for are not kept either.
    let browser = signed_in(&app, "headers_user").await;
    let page = app.client.get(app.url("/wallet")).header("cookie", browser.cookie_header()).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-store");
    let data = app.client.post(app.url("/api/my_leases")).header("cookie", browser.cookie_header()).header("origin", app.base.clone()).send().await.unwrap();
    assert_eq!(data.status(), 200);
    assert_eq!(data.headers()["cache-control"], "no-store");
    // The client's files are revalidated instead.
    let file = app.client.get(app.url("/pkg/usnumhub.wasm")).send().await.unwrap();
    assert_eq!(file.headers()["cache-control"], "no-cache");
}
