//! Live delivery: how long from a gateway's webhook to the browser's event
//! stream, and how much server memory idle event streams hold. The server
//! is the real binary in its own process (so its RSS is its own), on
//! SQLite, or on PostgreSQL when BENCH_DATABASE_URL is set. Run with
//! `make bench`; prints a table.
use std::time::{Duration, Instant};

use app::services::webhook_signatures::generic_signature;
use futures_util::{stream, StreamExt};

#[path = "support/mod.rs"]
mod support;
use support::{ms, percentile, BenchServer, PASSWORD};

const SECRET: &str = "bench-webhook-secret";

async fn start_server(data_dir: &std::path::Path) -> BenchServer {
    let database = std::env::var("BENCH_DATABASE_URL").ok();
    let mut env = vec![("USNH_SMS_WEBHOOK_SECRET", SECRET), ("USNH_DEMO_CODE_DELAY_SECS", "86400"), ("USNH_EVENT_STREAMS_PER_USER", "1000000")];
    if let Some(url) = database.as_deref() {
        env.push(("DATABASE_URL", url));
    }
    BenchServer::start(data_dir, &env).await
}

async fn call(client: &reqwest::Client, base: &str, name: &str, form: &[(&str, &str)]) -> serde_json::Value {
    let resp = client
        .post(format!("{base}/api/{name}"))
        .header("origin", base)
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .expect("answered");
    assert!(resp.status().is_success(), "{name}: {}", resp.status());
    resp.json().await.unwrap_or(serde_json::Value::Null)
}

async fn post_webhook(client: &reqwest::Client, base: &str, body: String) {
    let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0).to_string();
    let signature = generic_signature(SECRET, &ts, body.as_bytes());
    let resp = client
        .post(format!("{base}/webhooks/sms/generic"))
        .header("x-usnh-timestamp", ts)
        .header("x-usnh-signature", signature)
        .body(body)
        .send()
        .await
        .expect("webhook answered");
    assert!(resp.status().is_success(), "webhook: {}", resp.status());
}

/// Reads the event stream until the next `event: lease`.
async fn next_lease_event(stream: &mut reqwest::Response, buffer: &mut String) {
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            if event.contains("event: lease") {
                return;
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.chunk()).await.expect("an event in time").expect("stream read").expect("stream open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::main]
async fn main() {
    let messages: usize = std::env::var("BENCH_MESSAGES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let idle_streams: usize = std::env::var("BENCH_STREAMS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let public_id = server.admin_public_id.clone();
    let base = server.base.clone();
    let browser = reqwest::Client::builder().cookie_store(true).build().expect("client");
    call(&browser, &base, "sign_in", &[("login", "bench"), ("password", PASSWORD)]).await;
    let offer = call(&browser, &base, "admin/prepare_top_up", &[("query", &public_id), ("amount", "100"), ("note", "bench")]).await;
    let key = offer["idempotency_key"].as_str().expect("a key").to_string();
    call(&browser, &base, "admin/top_up", &[("public_id", &public_id), ("amount", "100.00"), ("note", "bench"), ("idempotency_key", &key)]).await;
    let lease = call(&browser, &base, "confirm_lease", &[("platform", "telegram"), ("price_cents", "120"), ("idempotency_key", "bench-lease-0001")]).await;
    let number = lease["number"].as_str().expect("a number").to_string();

    let mut events = browser.get(format!("{base}/events")).send().await.expect("event stream");
    assert!(events.status().is_success());
    let gateway = reqwest::Client::new();
    let mut buffer = String::new();

    // Baseline: the plainest round trip to the same server.
    let mut baseline = Vec::with_capacity(messages);
    for _ in 0..messages {
        let start = Instant::now();
        let _ = gateway.get(format!("{base}/healthz")).send().await.expect("healthz").bytes().await;
        baseline.push(start.elapsed());
    }
    // A lease keeps receiving SMS until it ends, each one an event.
    let mut delivered = Vec::with_capacity(messages);
    for i in 0..messages {
        let body = format!(r#"{{"message_id":"bench-{i}","from":"Telegram","to":"{number}","text":"Telegram code: {:05}"}}"#, 10_000 + i);
        let start = Instant::now();
        post_webhook(&gateway, &base, body).await;
        next_lease_event(&mut events, &mut buffer).await;
        delivered.push(start.elapsed());
    }
    drop(events);

    // Idle event streams: the server's RSS before and after.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = server.rss_kib();
    let opened = Instant::now();
    let streams: Vec<reqwest::Response> = stream::iter(0..idle_streams)
        .map(|_| {
            let (browser, url) = (browser.clone(), format!("{base}/events"));
            async move { browser.get(url).send().await.ok().filter(|r| r.status().is_success()) }
        })
        .buffer_unordered(256)
        .filter_map(|r| async move { r })
        .collect()
        .await;
    let open_secs = opened.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after = server.rss_kib();
    let held = streams.len();
    drop(streams);

    let (b50, b99) = (percentile(&mut baseline, 0.5), percentile(&mut baseline, 0.99));
    let (d50, d99) = (percentile(&mut delivered, 0.5), percentile(&mut delivered, 0.99));
    let backend = if std::env::var("BENCH_DATABASE_URL").is_ok() { "PostgreSQL" } else { "SQLite" };
    println!("\n| measure ({backend}) | p50 | p99 | note |");
    println!("|---|---|---|---|");
    println!("| GET /healthz round trip | {} | {} | baseline, {messages} requests |", ms(b50), ms(b99));
    println!("| webhook posted → event in the browser's stream | {} | {} | {messages} messages; target p99 < 50 ms |", ms(d50), ms(d99));
    println!("| ratio delivery / baseline | {:.1}× | {:.1}× | |", d50.as_secs_f64() / b50.as_secs_f64().max(1e-9), d99.as_secs_f64() / b99.as_secs_f64().max(1e-9));
    println!("\n| idle event streams | server RSS | per 1,000 streams | note |");
    println!("|---|---|---|---|");
    println!("| 0 | {:.1} MB | | baseline |", rss_before as f64 / 1024.0);
    println!(
        "| {held} | {:.1} MB | {:.2} MB | opened in {open_secs:.1} s; target 10,000 in < 300 MB |",
        rss_after as f64 / 1024.0,
        (rss_after.saturating_sub(rss_before)) as f64 / 1024.0 / (held.max(1) as f64 / 1000.0)
    );
    assert_eq!(held, idle_streams, "every stream opened");
}
