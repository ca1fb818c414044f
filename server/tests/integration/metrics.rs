//! `/metrics`: protected by its token, and the figures move.
use std::time::Duration;

use crate::common::{self, customers::verified_customer, Backend};

async fn scrape(app: &common::TestApp, token: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new().get(app.url("/metrics"));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn metrics_are_protected_and_count(backend: Backend) {
    let Some(off) = common::spawn_app(backend).await else { return };
    assert_eq!(scrape(&off, None).await.0, 404, "no token configured: no metrics");
    drop(off);
    let Some(app) = common::spawn_app_with(backend, |c| {
        c.metrics_token = Some("scrape-me".into());
        c.sms_webhook_secret = Some("s".into());
    })
    .await
    else {
        return;
    };
    assert_eq!(scrape(&app, None).await.0, 401);
    assert_eq!(scrape(&app, Some("wrong")).await.0, 401);

    let _ = reqwest::get(app.url("/healthz")).await.unwrap();
    let _ = reqwest::get(app.url("/no/such/page/123")).await.unwrap();
    let (mut browser, _) = verified_customer(&app, "metered", 500).await;
    let lease = browser.call("confirm_lease", &[("platform", "google"), ("price_cents", "100"), ("idempotency_key", "metrics-1")]).await.json();
    let id = lease["id"].as_i64().unwrap().to_string();
    assert!(browser.call("lease_action", &[("lease_id", &id), ("action", "cancel")]).await.status < 400);
    sqlx::query("UPDATE numbers SET enabled = 0").execute(&app.db.pool).await.unwrap();
    let turned_away = browser.call("confirm_lease", &[("platform", "google"), ("price_cents", "100"), ("idempotency_key", "metrics-2")]).await;
    assert_eq!(turned_away.status, 400, "{}", turned_away.body);
    // An SMS for no number of ours, and a pinging phone gone silent: the
    // Supply page's problems, published for alerts.
    let stray = r#"{"message_id":"m-1","from":"Telegram","to":"+14155550142","text":"code 5150"}"#;
    assert_eq!(common::post_generic_sms(&app, stray, "s").await, 200);
    sqlx::query("INSERT INTO gateway_devices (device_id, last_event, last_seen_at, sends_pings) VALUES ('pixel7a', 'system:ping', 0, 1)")
        .execute(&app.db.pool)
        .await
        .unwrap();
    // A question for support, waiting for its answer.
    assert_eq!(browser.call("support/open", &[("subject", "Metered question"), ("message", "Hello?")]).await.status, 200);
    let refused = reqwest::Client::new().post(app.url("/webhooks/sms/generic")).body("{}").send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    let cookie = browser.cookie_header();
    let stream = reqwest::Client::new().get(app.url("/events")).header("cookie", cookie).send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await; // a lease-clock run

    let (status, body) = scrape(&app, Some("scrape-me")).await;
    assert_eq!(status, 200);
    for expected in [
        r#"usnh_http_requests_total{route="/healthz",method="GET",status="200"} 1"#,
        r#"usnh_http_requests_total{route="unmatched",method="GET",status="404"}"#,
        r#"usnh_http_requests_total{route="/api/confirm_lease",method="POST",status="200"} 1"#,
        r#"usnh_http_request_duration_seconds_bucket{le="#,
        r#"usnh_leases{state="cancelled"} 1"#,
        "usnh_refunds 1",
        "usnh_customers_turned_away_last_day 1",
        "usnh_refunded_cents 100",
        "usnh_mail_queued 0",
        "usnh_unmatched_sms 1",
        "usnh_gateway_phones_silent 1",
        "usnh_numbers_without_codes 0",
        "usnh_platforms_unavailable ",
        "usnh_support_tickets_open 1",
        "usnh_support_tickets_awaiting_reply 1",
        r#"usnh_webhook_failures_total{gateway="generic",reason="signature"} 1"#,
        "usnh_sse_connections_open 1",
        r#"usnh_task_last_success_timestamp_seconds{task="lease_clock"}"#,
    ] {
        assert!(body.contains(expected), "missing {expected} in\n{body}");
    }
    drop(stream);
    // The server sees the close when its next write fails or the socket
    // reports it: poll instead of guessing how long a busy machine takes.
    eventually!("a closed stream is counted down", scrape(&app, Some("scrape-me")).await.1.contains("usnh_sse_connections_open 0"));
    // Every number disabled: once the catalogue is read again (2 s), no
    // platform can be chosen.
    let platforms: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM platforms WHERE enabled = 1").fetch_one(&app.db.pool).await.unwrap();
    let all_unavailable = format!("usnh_platforms_unavailable {platforms}\n");
    eventually!("every platform counted unavailable", scrape(&app, Some("scrape-me")).await.1.contains(&all_unavailable));
}

per_backend_tests!(metrics_are_protected_and_count);
