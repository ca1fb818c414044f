//! Pages under concurrent load: every server-rendered response completes.
//! (Guards against lost-wakeup hangs in streaming SSR.)
use std::time::Duration;

use crate::common::{customers::verified_customer, signed_in_admin, TestApp};

async fn pages_complete_under_concurrent_load(app: TestApp) {
    let (browser, _) = verified_customer(&app, "stressed", 500).await;
    let admin = signed_in_admin(&app, "stress_admin").await;
    let rounds: usize = std::env::var("SSR_STRESS").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    let pages = ["/account", "/wallet", "/get-number", "/support", "/policies", "/"];
    let mut tasks = Vec::new();
    for i in 0..rounds {
        for (j, page) in pages.iter().enumerate() {
            // Some with only the refresh cookie: the middleware refreshes
            // the session before rendering.
            let who = match (i + j) % 3 {
                0 => admin.cookie_header(),
                1 => format!("usnh_refresh={}", browser.cookies["usnh_refresh"]),
                _ => browser.cookie_header(),
            };
            let url = app.url(page);
            tasks.push(tokio::spawn(async move {
                let req = reqwest::Client::new().get(&url).header("cookie", who);
                let resp = tokio::time::timeout(Duration::from_secs(15), async { req.send().await?.text().await }).await;
                (url, resp.map(|r| r.map(|b| b.len())))
            }));
        }
        for page in ["/admin", "/admin/users", "/admin/supply"] {
            let (who, url) = (admin.cookie_header(), app.url(page));
            tasks.push(tokio::spawn(async move {
                let req = reqwest::Client::new().get(&url).header("cookie", who);
                let resp = tokio::time::timeout(Duration::from_secs(15), async { req.send().await?.text().await }).await;
                (url, resp.map(|r| r.map(|b| b.len())))
            }));
        }
    }
    let mut hung = Vec::new();
    for t in tasks {
        let (url, outcome) = t.await.unwrap();
        match outcome {
            Ok(Ok(len)) => assert!(len > 500, "{url}: a whole page"),
            Ok(Err(e)) => panic!("{url}: {e}"),
            Err(_) => hung.push(url),
        }
    }
    assert!(hung.is_empty(), "{} responses never completed: {hung:?}", hung.len());
}

backend_tests!(pages_complete_under_concurrent_load);
