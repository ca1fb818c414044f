//! Throughput against raw baselines measured in the same run:
//! - server-rendered pages (Get Number signed in, Policies) against the
//!   plainest handler of the same server (`/healthz`), with 8 concurrent
//!   clients on keep-alive connections; target ≥ 40 % of the baseline;
//! - a lease cycle (confirm, then cancel with its refund) through the
//!   services against raw transactions doing the same writes, on SQLite
//!   and (when reachable) PostgreSQL; target ≥ 50 %;
//! - the release WASM's size raw, gzip and brotli (the main module, the
//!   first visit of some pages, the whole client); target < 250 KB gzip.
//!
//! `make bench` builds the release site first and keeps the tables.
use std::{
    io::Write,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use app::{
    domain::{EntryKind, LeaseEvent, Money, Role},
    services::{accounts, leases, ledger, numbers, Services},
};

#[path = "support/mod.rs"]
mod support;
use support::{ms, percentile, BenchServer, PASSWORD};

const RUN: Duration = Duration::from_secs(3);
const CLIENTS: usize = 8;

// ---- pages ----

async fn load(url: &str, cookie: &str) -> (f64, Vec<Duration>) {
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (url, cookie, stop) = (url.to_string(), cookie.to_string(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut samples = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let start = Instant::now();
                let resp = client.get(&url).header("cookie", &cookie).send().await.expect("answered");
                assert!(resp.status().is_success(), "{url}: {}", resp.status());
                let _ = resp.bytes().await;
                samples.push(start.elapsed());
            }
            samples
        }));
    }
    tokio::time::sleep(RUN).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client"));
    }
    (all.len() as f64 / RUN.as_secs_f64(), all)
}

async fn pages() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = BenchServer::start(dir.path(), &[]).await;
    let base = server.base.clone();
    let client = reqwest::Client::builder().cookie_store(true).build().expect("client");
    let signed_in = client
        .post(format!("{base}/api/sign_in"))
        .header("origin", &base)
        .form(&[("login", "bench"), ("password", PASSWORD)])
        .send()
        .await
        .expect("sign in");
    let cookie: String = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    let _ = load(&format!("{base}/policies"), "").await; // warm up

    let (base_rps, mut base_lat) = load(&format!("{base}/healthz"), "").await;
    // The same string behind the session check a signed-in request pays.
    let (session_rps, mut session_lat) = load(&format!("{base}/healthz"), &cookie).await;
    let (policies_rps, mut policies_lat) = load(&format!("{base}/policies"), "").await;
    let (gn_rps, mut gn_lat) = load(&format!("{base}/get-number"), &cookie).await;
    // The framework's floor: a small page with no session and no database
    // read, rendered through Leptos for every request (not cached).
    let (floor_rps, mut floor_lat) = load(&format!("{base}/sign-in"), "").await;
    println!("\n| page ({CLIENTS} clients, {} s each) | requests/s | share of baseline | p50 | p99 | target |", RUN.as_secs());
    println!("|---|---|---|---|---|---|");
    println!("| GET /healthz (baseline: a short string) | {base_rps:.0} | 100 % | {} | {} | |", ms(percentile(&mut base_lat, 0.5)), ms(percentile(&mut base_lat, 0.99)));
    for (name, rps, lat, target) in [
        ("GET /healthz, signed in (the session check)", session_rps, &mut session_lat, "reference"),
        ("GET /policies", policies_rps, &mut policies_lat, "≥ 40 %"),
        ("GET /get-number, signed in", gn_rps, &mut gn_lat, "≥ 40 %"),
        ("GET /sign-in, no session (rendered each time: the floor)", floor_rps, &mut floor_lat, "reference"),
    ] {
        println!(
            "| {name} | {rps:.0} | {:.0} % | {} | {} | {target} |",
            rps / base_rps * 100.0,
            ms(percentile(lat, 0.5)),
            ms(percentile(lat, 0.99))
        );
    }
}

// ---- lease cycles ----

async fn services_on(database_url: &str, dir: &std::path::Path) -> Services {
    let config = server::config::Config { data_dir: dir.to_path_buf(), database_url: Some(database_url.into()), ..Default::default() };
    let secrets = server::secrets::Secrets::load_or_generate(None, dir).expect("secrets");
    let svc = server::startup::build_services(&config, &secrets).await.expect("services");
    numbers::seed_demo_numbers(&svc.db, svc.now()).await.expect("numbers");
    svc
}

async fn funded_user(svc: &Services) -> i64 {
    let (user_id, _) = accounts::create_verified(
        svc,
        app::domain::Email::parse("cycle@example.com").expect("email"),
        app::domain::Username::parse("cycler").expect("username"),
        app::domain::NewPassword::parse(PASSWORD, None, None).expect("password"),
        Role::Customer,
    )
    .await
    .expect("user");
    let posting = ledger::Posting {
        user_id,
        kind: EntryKind::TopUp,
        amount: Money::from_cents(1_000_000_000),
        lease_id: None,
        actor_user_id: None,
        note: "",
        idempotency_key: "bench-funds",
    };
    ledger::post(svc, &posting).await.expect("funds");
    user_id
}

/// Confirm + cancel through the services, as the page does, for `run`;
/// cycle numbers start at `first` (they make the idempotency keys).
async fn service_cycles(svc: &Services, user_id: i64, first: u64, run: Duration) -> u64 {
    let google = app::services::platforms::by_slug(&svc.db, "google").await.expect("platform").expect("google");
    let started = Instant::now();
    let mut cycles = first;
    while started.elapsed() < run {
        let key = format!("bench-cycle-{cycles:010}");
        let request = leases::ConfirmRequest {
            user_id,
            email_verified: true,
            slug: "google",
            confirmed_price: google.price,
            idempotency_key: &key,
            api_key_id: None,
            number: None,
        };
        let lease = leases::confirm(svc, request).await.expect("confirm");
        leases::apply(svc, lease.id, Some(user_id), LeaseEvent::Cancel).await.expect("cancel");
        cycles += 1;
    }
    cycles - first
}

/// The same writes as raw SQL: lease, wallet and ledger entry in one
/// transaction, then state, wallet and refund entry in another.
async fn raw_cycles(svc: &Services, user_id: i64, first: u64, run: Duration) -> u64 {
    let (number_id, platform_id): (i64, i64) = sqlx::query_as("SELECT (SELECT MIN(id) FROM numbers), (SELECT id FROM platforms WHERE slug = 'google')")
        .fetch_one(&svc.db.pool)
        .await
        .expect("ids");
    let started = Instant::now();
    let mut cycles = first;
    while started.elapsed() < run {
        let now = svc.now();
        let mut tx = svc.db.begin_write().await.expect("tx");
        let lease_id: i64 = sqlx::query_scalar(
            "INSERT INTO leases (user_id, platform_id, number_id, e164, price_cents, state, created_at, expires_at, idempotency_key) \
             VALUES ($1, $2, $3, '+12025550100', 100, 'active', $4, $5, $6) RETURNING id",
        )
        .bind(user_id)
        .bind(platform_id)
        .bind(number_id)
        .bind(now)
        .bind(now + 1_200_000)
        .bind(format!("raw-{cycles}"))
        .fetch_one(&mut *tx)
        .await
        .expect("lease");
        let balance: i64 = sqlx::query_scalar("UPDATE wallets SET balance_cents = balance_cents - 100, updated_at = $1 WHERE user_id = $2 RETURNING balance_cents")
            .bind(now)
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await
            .expect("debit");
        sqlx::query("INSERT INTO ledger_entries (user_id, kind, amount_cents, balance_after_cents, lease_id, idempotency_key, created_at) VALUES ($1, 'lease_debit', -100, $2, $3, $4, $5)")
            .bind(user_id)
            .bind(balance)
            .bind(lease_id)
            .bind(format!("raw-debit-{cycles}"))
            .bind(now)
            .execute(&mut *tx)
            .await
            .expect("entry");
        tx.commit().await.expect("commit");
        let mut tx = svc.db.begin_write().await.expect("tx");
        sqlx::query("UPDATE leases SET state = 'cancelled', ended_at = $1 WHERE id = $2 AND state = 'active'")
            .bind(now)
            .bind(lease_id)
            .execute(&mut *tx)
            .await
            .expect("state");
        let balance: i64 = sqlx::query_scalar("UPDATE wallets SET balance_cents = balance_cents + 100, updated_at = $1 WHERE user_id = $2 RETURNING balance_cents")
            .bind(now)
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await
            .expect("refund");
        sqlx::query("INSERT INTO ledger_entries (user_id, kind, amount_cents, balance_after_cents, lease_id, idempotency_key, created_at) VALUES ($1, 'refund', 100, $2, $3, $4, $5)")
            .bind(user_id)
            .bind(balance)
            .bind(lease_id)
            .bind(format!("raw-refund-{cycles}"))
            .bind(now)
            .execute(&mut *tx)
            .await
            .expect("entry");
        tx.commit().await.expect("commit");
        cycles += 1;
    }
    cycles - first
}

async fn cycles_on(name: &str, database_url: &str, dir: &std::path::Path) {
    // Short turns, alternating, so that both sides see the same disk and
    // the same neighbours (one long run each drifted by a third).
    const TURNS: u32 = 6;
    let turn = RUN / TURNS;
    let svc = services_on(database_url, dir).await;
    let user_id = funded_user(&svc).await;
    let (mut raw, mut real) = (0, 0);
    for _ in 0..TURNS {
        raw += raw_cycles(&svc, user_id, raw, turn).await;
        real += service_cycles(&svc, user_id, real, turn).await;
    }
    let per_second = |cycles: u64| cycles as f64 / (turn * TURNS).as_secs_f64();
    let (raw, real) = (per_second(raw), per_second(real));
    println!("| {name} | {real:.0} | {raw:.0} | {:.0} % | ≥ 50 % |", real / raw * 100.0);
}

async fn lease_cycles() {
    println!("\n| lease cycle: confirm + cancel with refund | cycles/s (services) | cycles/s (raw SQL, same writes) | share | target |");
    println!("|---|---|---|---|---|");
    let dir = tempfile::tempdir().expect("temp dir");
    cycles_on("SQLite (WAL, synchronous=FULL)", &format!("sqlite://{}", dir.path().join("bench.db").display()), dir.path()).await;
    let admin_url = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres:///postgres?host=/var/run/postgresql".into());
    sqlx::any::install_default_drivers();
    let Ok(admin) = sqlx::AnyPool::connect(&admin_url).await else {
        println!("| PostgreSQL | not reachable | | | |");
        return;
    };
    let name = format!("usnh_bench_{}", std::process::id());
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.expect("create database");
    let url = match admin_url.split_once('?') {
        Some((left, query)) => format!("{}/{name}?{query}", left.rsplit_once('/').map(|(l, _)| l).unwrap_or(left)),
        None => format!("{}/{name}", admin_url.rsplit_once('/').map(|(l, _)| l).unwrap_or(&admin_url)),
    };
    let pg_dir = tempfile::tempdir().expect("temp dir");
    cycles_on("PostgreSQL 15", &url, pg_dir.path()).await;
    let _ = sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&admin).await;
}

// ---- WASM size ----

/// Sizes of one file: raw, gzip -9 and brotli 11 computed here, and the
/// gzip and brotli copies the release build wrote for /pkg to serve (what
/// a browser downloads; 0 when the build wrote none).
fn sizes_of(path: &std::path::Path) -> [usize; 5] {
    let bytes = std::fs::read(path).expect("wasm");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&bytes).expect("gzip");
    let gzip = gz.finish().expect("gzip").len();
    let mut br = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut br, 4096, 11, 22);
        writer.write_all(&bytes).expect("brotli");
    }
    let served = |ext: &str| std::fs::metadata(format!("{}.{ext}", path.display())).map(|m| m.len() as usize).unwrap_or(0);
    [bytes.len(), gzip, br.len(), served("gz"), served("br")]
}

/// The release client: the main module every page loads, what the first
/// visit of a page downloads (the main module and the chunks the split
/// manifest names for it, each file compressed on its own as a server
/// would send it), and all files together.
fn wasm_size() {
    let pkg = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/site/pkg");
    // Every WASM file by name (without ".wasm"), measured once.
    let sizes: std::collections::BTreeMap<String, [usize; 5]> = std::fs::read_dir(&pkg)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let path = e.path();
            let name = path.file_name()?.to_str()?.strip_suffix(".wasm")?.to_string();
            Some((name, sizes_of(&path)))
        })
        .collect();
    if !sizes.contains_key("usnumhub") {
        println!("\n(no WASM in {}: run `make bench`, which builds the release site first)", pkg.display());
        return;
    }
    let manifest: std::collections::BTreeMap<String, Vec<String>> = std::fs::read_to_string(pkg.join("__wasm_split_manifest.json"))
        .ok()
        .and_then(|m| serde_json::from_str(&m).ok())
        .unwrap_or_default();
    let kb = |n: usize| if n == 0 { "–".to_string() } else { format!("{:.0} KB", n as f64 / 1024.0) };
    println!("\n| release WASM | files | raw | gzip -9 | brotli 11 | served gzip | served brotli | target |");
    println!("|---|---|---|---|---|---|---|---|");
    let row = |label: &str, files: &[&str], target: &str| {
        let mut total = [0; 5];
        for file in files {
            let size = sizes.get(*file).expect("a file named in the manifest");
            (0..5).for_each(|i| total[i] += size[i]);
        }
        let [raw, gzip, br, served_gz, served_br] = total.map(kb);
        println!("| {label} | {} | {raw} | {gzip} | {br} | {served_gz} | {served_br} | {target} |", files.len());
    };
    row("main module (every page)", &["usnumhub"], "gzip < 250 KB");
    // The split manifest names each group of pages (app/src/pages/lazy.rs)
    // with the chunks it needs; the groups' pages, for the table's labels.
    let known = [
        ("/policies, /sign-in …", "public_"),
        ("/, /platforms/…, /get-number", "shop_"),
        ("/wallet, /numbers", "customer_"),
        ("/support, /account", "help_"),
        ("/admin …", "admin_"),
    ];
    for (pages, group) in known {
        let mut files = vec!["usnumhub"];
        files.extend(manifest.iter().filter(|(name, _)| name.starts_with(group)).flat_map(|(_, chunks)| chunks.iter().map(String::as_str)));
        if files.len() > 1 {
            row(&format!("first visit of {pages}"), &files, "gzip < 250 KB");
        }
    }
    // A group added to lazy.rs but not above still gets its row.
    for (name, chunks) in manifest.iter().filter(|(name, _)| !known.iter().any(|(_, group)| name.starts_with(group))) {
        let files: Vec<&str> = std::iter::once("usnumhub").chain(chunks.iter().map(String::as_str)).collect();
        row(&format!("first visit of group {name}"), &files, "gzip < 250 KB");
    }
    let all: Vec<&str> = sizes.keys().map(String::as_str).collect();
    row("every file (the whole client)", &all, "");
}

#[tokio::main]
async fn main() {
    // `BENCH_ONLY=cycles` (or `pages`, `wasm`) runs one part.
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    if !only.is_empty() {
        match only.as_str() {
            "cycles" => lease_cycles().await,
            "pages" => pages().await,
            _ => wasm_size(),
        }
        return;
    }
    wasm_size();
    pages().await;
    lease_cycles().await;
}
