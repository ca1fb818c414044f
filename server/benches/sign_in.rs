//! Sign-in cost, and how much concurrent sign-ins slow other requests.
//! Run with `make bench` (release build). Prints a table; the baseline is
//! measured in the same run on the same machine.
use std::time::{Duration, Instant};

use app::services::rate_limit::{Limit, RateLimitSettings, RateLimiter};
use server::{config::Config, Application};

#[path = "support/mod.rs"]
mod support;
use support::{ms, percentile, PASSWORD};


async fn sign_in(client: &reqwest::Client, base: &str) -> Duration {
    let start = Instant::now();
    let resp = client
        .post(format!("{base}/api/sign_in"))
        .header("origin", base)
        .header("accept", "application/json")
        .form(&[("login", "bench"), ("password", PASSWORD)])
        .send()
        .await
        .expect("sign in answered");
    assert!(resp.status().as_u16() < 400, "sign-in failed: {}", resp.status());
    start.elapsed()
}

async fn page_latencies(client: &reqwest::Client, base: &str, count: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let start = Instant::now();
        let resp = client.get(format!("{base}/policies")).send().await.expect("page answered");
        let _ = resp.bytes().await;
        out.push(start.elapsed());
    }
    out
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config {
        data_dir: dir.path().join("data"),
        listen: "127.0.0.1:0".into(),
        ..Config::default()
    };
    let unlimited = Limit { per_ip: 1_000_000, per_account: 1_000_000, window: Duration::from_secs(1) };
    let app = Application::build_customised(config, |svc| {
        svc.limits = RateLimiter::new(&RateLimitSettings { sign_in: unlimited, sign_up: unlimited, check_code: unlimited, send_code: unlimited, support_message: unlimited, confirm_password: unlimited, export: unlimited });
    })
    .await
    .expect("server starts");
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));

    let client = reqwest::Client::new();
    let resp = client
        .post(format!("{base}/api/sign_up"))
        .header("origin", &base)
        .header("accept", "application/json")
        .form(&[("email", "bench@example.com"), ("username", "bench"), ("password", PASSWORD), ("adult_and_terms", "yes")])
        .send()
        .await
        .expect("sign up");
    assert!(resp.status().as_u16() < 400);
    page_latencies(&client, &base, 50).await; // warm up

    let mut sign_ins = Vec::new();
    for _ in 0..40 {
        sign_ins.push(sign_in(&client, &base).await);
    }

    let mut baseline = page_latencies(&client, &base, 400).await;

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut loaders = Vec::new();
    for _ in 0..20 {
        let (client, base, stop) = (reqwest::Client::new(), base.clone(), stop.clone());
        loaders.push(tokio::spawn(async move {
            let mut n = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                sign_in(&client, &base).await;
                n += 1;
            }
            n
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut loaded = page_latencies(&client, &base, 400).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut concurrent_sign_ins = 0;
    for l in loaders {
        concurrent_sign_ins += l.await.unwrap_or(0);
    }

    let (b50, b99) = (percentile(&mut baseline, 0.5), percentile(&mut baseline, 0.99));
    let (l50, l99) = (percentile(&mut loaded, 0.5), percentile(&mut loaded, 0.99));
    println!("\n| measure | p50 | p99 | note |");
    println!("|---|---|---|---|");
    println!("| sign-in (argon2id 19 MiB, t=2) | {} | {} | 40 sequential |", ms(percentile(&mut sign_ins, 0.5)), ms(percentile(&mut sign_ins, 0.99)));
    println!("| GET /policies, idle | {} | {} | baseline, 400 requests |", ms(b50), ms(b99));
    println!("| GET /policies, 20 concurrent sign-ins | {} | {} | {concurrent_sign_ins} sign-ins meanwhile |", ms(l50), ms(l99));
    println!(
        "| p99 ratio loaded / idle | {:.2}× | | lower is better |",
        l99.as_secs_f64() / b99.as_secs_f64().max(1e-9)
    );
}
