//! The cache of static public pages. (Pages under concurrent load are
//! tested against the server binary in its own process, in torture.rs:
//! several servers on separate runtimes in one test process showed stalls
//! the real server does not.)
use crate::common::{customers::verified_customer, TestApp};

/// Static public pages come from the cache for visitors without a session,
/// each with a nonce of its own that its policy names.
async fn cached_pages_keep_one_nonce_per_response(app: TestApp) {
    let nonce_of = |policy: &str| policy.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()).unwrap_or_default().to_string();
    let mut seen = Vec::new();
    let mut bodies = Vec::new();
    for _ in 0..3 {
        let resp = reqwest::get(app.url("/policies")).await.unwrap();
        assert_eq!(resp.status(), 200);
        let nonce = nonce_of(resp.headers()["content-security-policy"].to_str().unwrap());
        let body = resp.text().await.unwrap();
        assert!(nonce.len() >= 16 && body.contains(&format!("nonce=\"{nonce}\"")), "the body uses the policy's nonce");
        bodies.push(body.replace(&nonce, "N"));
        seen.push(nonce);
    }
    seen.dedup();
    assert_eq!(seen.len(), 3, "a fresh nonce each time");
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "the same page otherwise");
    // A signed-in visitor's page is rendered for them.
    let (browser, _) = verified_customer(&app, "not_cached", 0).await;
    let mine = reqwest::Client::new().get(app.url("/policies")).header("cookie", browser.cookie_header()).send().await.unwrap().text().await.unwrap();
    assert!(mine.contains("Sign out"), "the signed-in navigation");
    assert!(!bodies[0].contains("Sign out"));
}

backend_tests!(cached_pages_keep_one_nonce_per_response);
