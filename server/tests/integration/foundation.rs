//! The foundation: health, readiness, server functions, pages, and
//! migrations, on SQLite and PostgreSQL alike.
use crate::common;

use common::TestApp;
use reqwest::StatusCode;

backend_tests!(
    healthz_answers_with_a_request_id,
    readyz_checks_the_database,
    server_function_round_trip,
    policies_show_configured_values,
    unknown_page_is_404,
    restart_keeps_data_and_reruns_no_migration,
    pages_render_while_another_server_starts,
    a_stop_ends_open_event_streams,
    a_chosen_theme_is_rendered_from_the_first_byte,
);

/// The footer's theme switch without scripts: `POST /theme` stores the
/// choice in a cookie and comes back; every page is then rendered in it
/// (`<html data-theme>`, the color-scheme meta), until "System" clears it.
async fn a_chosen_theme_is_rendered_from_the_first_byte(app: TestApp) {
    let mut browser = common::browser::Browser::new(&app.base);
    let page = browser.get("/policies").await;
    assert!(page.body.contains(r#"<html lang="en">"#) && page.body.contains(r#"<meta name="color-scheme" content="light dark">"#), "{}", page.body);

    let chosen = browser.post_form("/theme", &[("theme", "dark"), ("back", "/policies?x=1")]).await;
    assert_eq!(chosen.status, 303, "{}", chosen.body);
    assert_eq!(chosen.headers["location"], "/policies?x=1");
    assert!(chosen.set_cookies[0].starts_with("usnh_theme=dark;"), "{:?}", chosen.set_cookies);
    let page = browser.get("/policies").await;
    assert!(page.body.contains(r#"data-theme="dark""#) && page.body.contains(r#"<meta name="color-scheme" content="dark">"#), "{}", page.body);
    assert!(page.body.contains(r#"value="dark" aria-pressed="true""#), "the switch shows the choice");

    // Bad input changes nothing; the way back stays on this site.
    let refused = browser.post_form("/theme", &[("theme", "purple")]).await;
    assert_eq!((refused.status, refused.body.as_str()), (400, "Choose the system's theme, light or dark."));
    assert!(refused.set_cookies.is_empty());
    for elsewhere in ["//evil.example/", "https://evil.example/", "/\\evil.example"] {
        let chosen = browser.post_form("/theme", &[("theme", "light"), ("back", elsewhere)]).await;
        assert_eq!(chosen.headers["location"], "/", "{elsewhere}");
    }
    assert!(browser.get("/").await.body.contains(r#"data-theme="light""#));
    browser.post_form("/theme", &[("theme", "system")]).await;
    assert!(browser.cookie_header().is_empty(), "cleared: {}", browser.cookie_header());
    assert!(browser.get("/").await.body.contains(r#"<html lang="en">"#));
}

/// A stopping server ends its pages' event streams at once, so a deploy
/// does not wait for open tabs (their pages reconnect to the next server).
async fn a_stop_ends_open_event_streams(app: TestApp) {
    use std::time::{Duration, Instant};
    let browser = common::signed_up(&app, "leaving").await;
    let mut stream = reqwest::Client::new().get(app.url("/events")).header("cookie", browser.cookie_header()).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let started = Instant::now();
    let stopped = tokio::spawn(app.stop());
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_secs(20), stream.chunk()).await.expect("the stream ends") {}
    stopped.await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(5), "stopped in {:?}", started.elapsed());
}

async fn healthz_answers_with_a_request_id(app: TestApp) {
    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let id = resp.headers().get("x-request-id").expect("request id header");
    assert_eq!(id.to_str().unwrap().len(), 36, "a UUID");
    assert_eq!(resp.text().await.unwrap(), "ok");

    // A caller's own request id is kept.
    let resp = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "abc-123");
}

async fn readyz_checks_the_database(app: TestApp) {
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "ready");

    // Without a database the server is alive but not ready.
    app.db.pool.close().await;
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

async fn server_function_round_trip(app: TestApp) {
    let ask = |path: &str, accept: &str| {
        app.client
            .post(app.url(path))
            .header("origin", app.base.clone())
            .header("accept", accept)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("")
            .send()
    };
    let resp = ask("/api/platforms", "*/*").await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let platforms: serde_json::Value = resp.json().await.unwrap();
    let whatsapp = platforms.as_array().and_then(|all| all.iter().find(|p| p["slug"] == "whatsapp")).cloned().unwrap_or_default();
    assert_eq!(whatsapp["name"], "WhatsApp", "{platforms}");
    assert_eq!(whatsapp["lease_minutes"], 20);

    // Our WASM client asks for postcard and gets the same answer in it;
    // errors stay JSON whoever asks.
    let resp = ask("/api/platforms", app::wire::COMPACT).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], app::wire::COMPACT);
    let compact: Vec<app::get_number::PlatformView> = postcard::from_bytes(&resp.bytes().await.unwrap()).expect("postcard answer");
    assert_eq!(serde_json::to_value(&compact).unwrap(), platforms);

    let resp = ask("/api/my_wallet", app::wire::COMPACT).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(resp.text().await.unwrap(), r#""Unauthenticated""#);
}

async fn policies_show_configured_values(app: TestApp) {
    let db = app.stop().await;
    let mut config = common::test_config(&db);
    config.brand_name = "Acme Numbers".into();
    config.whatsapp_number = "15550109999".into();
    config.default_lease_minutes = 35;
    config.sms_retention_hours = 48;
    config.support_email = "help@acme.example".into();
    let app = common::start(config, db).await;

    let resp = app.client.get(app.url("/policies")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let html = without_comments(&resp.text().await.unwrap());
    for expected in [
        "<title>Policies · Acme Numbers</title>",
        "35 minutes",
        "48 hours",
        "https://wa.me/15550109999",
        "mailto:help@acme.example",
        "Last updated",
        "/pkg/usnumhub.js",
    ] {
        assert!(html.contains(expected), "policies page lacks {expected:?}");
    }
    assert!(!html.contains("20 minutes"));
    assert!(!html.contains("Staff must use two-step"), "not required over plain HTTP by default");

    // A page reached in the app asks for the same text (the browser has
    // none of its own); an unknown text is refused.
    let mut browser = common::browser::Browser::new(&app.base);
    let answer = browser.call("page_text", &[("text", "Policies")]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let text = without_comments(&serde_json::from_str::<String>(&answer.body).unwrap());
    assert!(text.contains("35 minutes") && text.contains("mailto:help@acme.example") && text.contains(r#"<section id="refunds">"#), "{text}");
    let answer = browser.call("page_text", &[("text", "ApiDocs")]).await;
    assert!(answer.status == 200 && answer.body.contains("handler_api.php"), "{} {}", answer.status, answer.body);
    let answer = browser.call("page_text", &[("text", "Secrets")]).await;
    assert_eq!(answer.status, 400, "{}", answer.body);

    // The app manifest (a home-screen install) names the brand too.
    assert!(html.contains(r#"<link rel="manifest" href="/manifest.webmanifest">"#), "{html}");
    let manifest = app.client.get(app.url("/manifest.webmanifest")).send().await.unwrap();
    assert_eq!(manifest.status(), StatusCode::OK);
    assert_eq!(manifest.headers()["content-type"], "application/manifest+json");
    assert!(manifest.headers().get("set-cookie").is_none(), "no session for a static answer");
    let manifest: serde_json::Value = manifest.json().await.unwrap();
    assert_eq!((manifest["name"].as_str(), manifest["start_url"].as_str()), (Some("Acme Numbers"), Some("/get-number")));
    assert_eq!(manifest["display"], "standalone");
    let sizes: Vec<&str> = manifest["icons"].as_array().unwrap().iter().filter_map(|i| i["sizes"].as_str()).collect();
    assert!(sizes.contains(&"192x192") && sizes.contains(&"512x512"), "{sizes:?}");

    // The common passwords, for the new-password hint in the browser: the
    // server's own list, compressed for a browser that takes gzip.
    let list = app.client.get(app.url("/common-passwords.txt")).header("accept-encoding", "gzip, deflate, br").send().await.unwrap();
    assert_eq!(list.status(), StatusCode::OK);
    assert_eq!(list.headers()["content-encoding"], "gzip");
    assert!(list.headers()["cache-control"].to_str().unwrap().contains("max-age="));
    assert!(list.headers().get("set-cookie").is_none(), "no session for a static answer");
    let gzipped = list.bytes().await.unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gzipped[..]), &mut text).unwrap();
    assert_eq!(text, app::domain::password::COMMON_LIST);
    assert!(gzipped.len() < text.len() * 2 / 3, "{} of {}", gzipped.len(), text.len());
    let plain = app.client.get(app.url("/common-passwords.txt")).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.text().await.unwrap(), app::domain::password::COMMON_LIST);
}

async fn unknown_page_is_404(app: TestApp) {
    let resp = app.client.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(resp.text().await.unwrap().contains("Page not found"));
}

async fn restart_keeps_data_and_reruns_no_migration(app: TestApp) {
    let installed: String =
        sqlx::query_scalar("SELECT value FROM instance_facts WHERE name = 'installed_at'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let db = app.stop().await;
    let config = common::test_config(&db);
    let app = common::start(config, db).await;
    let again: String =
        sqlx::query_scalar("SELECT value FROM instance_facts WHERE name = 'installed_at'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(installed, again);
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

/// Building a server generates Leptos's route list, and while it does,
/// leptos_server pauses every resource in the process (a global flag). A
/// page rendered meanwhile by another server in the same process waited
/// forever for its data. Tests run many servers in one process.
async fn pages_render_while_another_server_starts(app: TestApp) {
    let (mut browser, _) = common::customers::verified_customer(&app, "parallel", 0).await;
    let starts = tokio::spawn(async {
        for _ in 0..6 {
            if let Some(other) = common::spawn_app(common::Backend::Sqlite).await {
                other.stop().await;
            }
        }
    });
    let mut pages = 0;
    while !starts.is_finished() {
        let page = tokio::time::timeout(std::time::Duration::from_secs(5), browser.get("/get-number"))
            .await
            .unwrap_or_else(|_| panic!("page {pages} never finished while another server started"));
        assert_eq!(page.status, 200, "{}", page.body);
        pages += 1;
    }
    starts.await.expect("the other servers start and stop");
}

/// SSR puts hydration markers (HTML comments) between text pieces.
fn without_comments(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<!") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        if after.starts_with("<!DOCTYPE") || after.starts_with("<!doctype") {
            out.push_str("<!");
            rest = &after[2..];
            continue;
        }
        let end = if after.starts_with("<!--") { after.find("-->").map(|i| i + 3) } else { after.find('>').map(|i| i + 1) };
        match end {
            Some(end) => rest = &after[end..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// On PostgreSQL, every pooled session ends a transaction left idle for a
/// minute, so that an instance frozen mid-transaction cannot hold a
/// customer's wallet lock against the others for hours.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_transactions_are_ended_on_postgres() {
    let run = async {
        let Some(app) = common::spawn_app(common::Backend::Postgres).await else { return };
        // Every connection of the pool, not only the first.
        let mut held = Vec::new();
        for _ in 0..3 {
            let mut conn = app.db.pool.acquire().await.unwrap();
            let setting: String = sqlx::query_scalar("SHOW idle_in_transaction_session_timeout").fetch_one(&mut *conn).await.unwrap();
            assert_eq!(setting, "1min");
            held.push(conn);
        }
    };
    tokio::time::timeout(common::TEST_TIMEOUT, run).await.expect("test timed out");
}
