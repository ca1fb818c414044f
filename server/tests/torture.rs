//! Torture: the real server binary in its own process under mixed load
//! from many clients (top-ups, confirms, some of an earlier number,
//! cancels, switches, completions, code webhooks, expiries), killed with
//! SIGKILL in the middle and restarted — and on PostgreSQL, the database
//! restarted too. Afterwards the ledger verifies, no lease was refunded
//! twice or after a code, none is open past its window, no number went to
//! someone else for a platform it got a code for, and everything
//! acknowledged is there.
//!
//! `make test` runs a short form; `make torture` (TORTURE_FULL=1) runs
//! 1,000 operations from 50 clients.
#[path = "integration/common/mod.rs"]
#[macro_use]
#[allow(unused_macros)]
mod common;

use std::{
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use app::{
    domain::{Email, NewPassword, Role, Username},
    services::{accounts, request::RequestMeta, sessions, webhook_signatures},
};
use common::{Backend, TestDatabase};
use futures_util::StreamExt;
use rand::{Rng, SeedableRng};

const SECRET_KEY: &str = "7f3c9a1e5b2d4f6a8c0e1d3b5a7f9c2e4d6b8a0c1e3f5d7b9a2c4e6f8a0b1c3d";
const WEBHOOK_SECRET: &str = "torture-webhook-secret";
const PASSWORD: &str = "purple tiger eats nine plums";

struct Plan {
    operations: usize,
    clients: usize,
}

fn plan() -> Plan {
    if std::env::var("TORTURE_FULL").is_ok_and(|v| v == "1") {
        Plan { operations: 1000, clients: 50 }
    } else {
        Plan { operations: 240, clients: 12 }
    }
}

/// The server process; restartable on the same port and data.
struct Server {
    child: Option<Child>,
    port: u16,
    database_url: String,
    data_dir: std::path::PathBuf,
}

impl Server {
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
        cmd.env("USNH_DATA_DIR", &self.data_dir)
            .env("DATABASE_URL", &self.database_url)
            .env("USNH_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("USNH_SECRET_KEY", SECRET_KEY)
            .env("USNH_SMS_WEBHOOK_SECRET", WEBHOOK_SECRET)
            .env("USNH_DEMO_CODE_DELAY_SECS", "86400")
            .env("USNH_DB_CONNECT_TIMEOUT_SECS", "3")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    }

    async fn start(&mut self) {
        let mut command = self.command();
        command.arg("serve");
        self.start_with(command).await;
    }

    async fn start_with(&mut self, mut command: Command) {
        self.child = Some(command.spawn().expect("server starts"));
        let base = self.base();
        eventually!(
            "the server came up",
            reqwest::get(format!("{base}/healthz")).await.is_ok_and(|r| r.status().is_success()),
            within = Duration::from_secs(15)
        );
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

#[derive(Clone)]
struct Customer {
    public_id: String,
    cookie: String,
}

/// What the server acknowledged (2xx) and must therefore still hold.
#[derive(Default)]
struct Acknowledged {
    leases: Vec<i64>,
    top_up_keys: Vec<String>,
}

#[derive(Default)]
struct Tally {
    answered: AtomicUsize,
    refused: AtomicUsize,
    unreachable: AtomicUsize,
    faults_outside_outages: AtomicUsize,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

async fn services_for(server: &Server) -> app::services::Services {
    let config = server::config::Config {
        data_dir: server.data_dir.clone(),
        database_url: Some(server.database_url.clone()),
        secret_key: Some(SECRET_KEY.into()),
        ..Default::default()
    };
    let secrets = server::secrets::Secrets::load_or_generate(Some(SECRET_KEY), &server.data_dir).expect("key");
    server::startup::build_services(&config, &secrets).await.expect("services")
}

async fn customers(svc: &app::services::Services, count: usize, role: Role, prefix: &str) -> Vec<Customer> {
    let meta = RequestMeta { ip: "127.0.0.1".into(), user_agent: "torture".into() };
    let mut out = Vec::new();
    for i in 0..count {
        let username = format!("{prefix}{i}");
        let (user_id, public_id) = accounts::create_verified(
            svc,
            Email::parse(&format!("{username}@example.com")).expect("email"),
            Username::parse(&username).expect("username"),
            NewPassword::parse(PASSWORD, None, None).expect("password"),
            role,
        )
        .await
        .expect("account");
        let tokens = sessions::start(svc, &svc.db.pool, user_id, &meta).await.expect("session");
        let cookie = format!("usnh_access={}; usnh_refresh={}", tokens.access, tokens.refresh.unwrap_or_default());
        out.push(Customer { public_id: public_id.to_string(), cookie });
    }
    out
}

async fn call(client: &reqwest::Client, base: &str, cookie: &str, name: &str, form: &[(&str, &str)]) -> Result<(u16, serde_json::Value), ()> {
    let resp = client
        .post(format!("{base}/api/{name}"))
        .header("origin", base)
        .header("accept", "application/json")
        .header("cookie", cookie)
        .form(form)
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .map_err(|_| ())?;
    let status = resp.status().as_u16();
    let body = resp.json().await.unwrap_or(serde_json::Value::Null);
    Ok((status, body))
}

struct Load {
    base: String,
    operator: Customer,
    outage: Arc<AtomicBool>,
    done: Arc<AtomicUsize>,
    /// Operations to run; on PostgreSQL raised once the database restart is over.
    total: Arc<AtomicUsize>,
    tally: Arc<Tally>,
    acknowledged: Arc<Mutex<Acknowledged>>,
    db: app::services::db::Db,
}

impl Load {
    fn record(&self, outcome: Result<u16, ()>) -> Option<u16> {
        match outcome {
            Ok(status) if status < 400 => {
                self.tally.answered.fetch_add(1, Ordering::Relaxed);
                Some(status)
            }
            Ok(status) if status < 500 => {
                self.tally.refused.fetch_add(1, Ordering::Relaxed);
                Some(status)
            }
            Ok(status) => {
                if self.outage.load(Ordering::Relaxed) {
                    // The database is down: like an unreachable server, wait.
                    self.tally.unreachable.fetch_add(1, Ordering::Relaxed);
                } else {
                    self.tally.faults_outside_outages.fetch_add(1, Ordering::Relaxed);
                    eprintln!("torture: HTTP {status} outside an outage");
                }
                Some(status)
            }
            Err(()) => {
                self.tally.unreachable.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// One client's share of the operations.
    async fn client(&self, me: Customer, seed: u64) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let http = reqwest::Client::new();
        let mut open: Option<(i64, String)> = None;
        let mut last_key = String::new();
        // The platform and number of the last lease: "Rent again" asks for it.
        let mut earlier: Option<(&str, &str, String)> = None;
        let platforms = [("google", "100"), ("telegram", "120"), ("discord", "80"), ("tiktok", "90")];
        while self.done.load(Ordering::Relaxed) < self.total.load(Ordering::Relaxed) {
            let unreachable_before = self.tally.unreachable.load(Ordering::Relaxed);
            let mut roll = rng.random_range(0..100);
            if open.is_none() && roll >= 45 {
                roll = 15; // nothing open to act on: rent instead
            }
            let base = &self.base;
            match roll {
                0..=14 => {
                    // Top-up by the operator, retried now and then with the same key.
                    let amount = rng.random_range(1..4).to_string();
                    let prepared = call(&http, base, &self.operator.cookie, "admin/prepare_top_up", &[("query", &me.public_id), ("amount", &amount), ("note", "t")]).await;
                    let Some(200) = self.record(prepared.as_ref().map(|p| p.0).map_err(|_| ())) else { continue };
                    let Ok((_, offer)) = prepared else { continue };
                    let key = offer["idempotency_key"].as_str().unwrap_or_default().to_string();
                    let cents = format!("{amount}.00");
                    for _ in 0..rng.random_range(1..3) {
                        let answer = call(&http, base, &self.operator.cookie, "admin/top_up", &[("public_id", &me.public_id), ("amount", &cents), ("note", "t"), ("idempotency_key", &key)]).await;
                        if self.record(answer.map(|a| a.0)) == Some(200) {
                            self.acknowledged.lock().unwrap().top_up_keys.push(key.clone());
                        }
                    }
                }
                15..=44 => {
                    let (mut slug, mut price) = platforms[rng.random_range(0..platforms.len())];
                    let mut number = String::new();
                    if let Some((s, p, n)) = earlier.as_ref().filter(|_| rng.random_bool(0.2)) {
                        (slug, price, number) = (s, p, n.clone());
                    }
                    let key = if rng.random_bool(0.1) && !last_key.is_empty() { last_key.clone() } else { format!("torture-{seed}-{}", rng.random::<u64>()) };
                    last_key = key.clone();
                    let answer =
                        call(&http, base, &me.cookie, "confirm_lease", &[("platform", slug), ("price_cents", price), ("idempotency_key", &key), ("number", &number)]).await;
                    if let Ok((200, lease)) = &answer {
                        if let (Some(id), Some(number)) = (lease["id"].as_i64(), lease["number"].as_str()) {
                            self.acknowledged.lock().unwrap().leases.push(id);
                            open = Some((id, number.to_string()));
                            earlier = Some((slug, price, number.to_string()));
                        }
                    }
                    self.record(answer.map(|a| a.0));
                }
                45..=69 => {
                    let Some((id, _)) = &open else { continue };
                    let action = ["cancel", "switch", "complete"][rng.random_range(0..3)];
                    let answer = call(&http, base, &me.cookie, "lease_action", &[("lease_id", &id.to_string()), ("action", action)]).await;
                    if matches!(answer, Ok((200, _))) {
                        open = None;
                    }
                    self.record(answer.map(|a| a.0));
                }
                70..=89 => {
                    let Some((id, number)) = &open else { continue };
                    let message_id = if rng.random_bool(0.2) { format!("m-{id}") } else { format!("m-{id}-{}", rng.random::<u32>()) };
                    let body = serde_json::json!({"message_id": message_id, "from": "Google", "to": number, "text": format!("G-{:06} is your code", rng.random_range(0..1_000_000))}).to_string();
                    let ts = (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)).to_string();
                    let sig = webhook_signatures::generic_signature(WEBHOOK_SECRET, &ts, body.as_bytes());
                    let answer = http
                        .post(format!("{base}/webhooks/sms/generic"))
                        .header("x-usnh-timestamp", ts)
                        .header("x-usnh-signature", sig)
                        .body(body)
                        .timeout(Duration::from_secs(20))
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                        .map_err(|_| ());
                    self.record(answer);
                }
                _ => {
                    // Time passes for this lease: its window ends now.
                    let Some((id, _)) = &open else { continue };
                    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
                    let _ = sqlx::query("UPDATE leases SET expires_at = $1 WHERE id = $2 AND state IN ('active', 'code_received')")
                        .bind(now)
                        .bind(id)
                        .execute(&self.db.pool)
                        .await;
                    open = None;
                }
            }
            if self.tally.unreachable.load(Ordering::Relaxed) > unreachable_before {
                // The server is down: wait for it, this did not count.
                tokio::time::sleep(Duration::from_millis(100)).await;
            } else {
                self.done.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

async fn check_invariants(server: &Server, db: &app::services::db::Db, acknowledged: &Acknowledged) {
    // Let the lease clock end whatever fell due: it runs every second, a
    // loaded machine may need a few rounds. A lease still open 2 s past
    // its window after that is a fault.
    let overdue = || async {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM leases WHERE state IN ('active', 'code_received') AND expires_at < $1")
            .bind(now - 2000)
            .fetch_one(&db.pool)
            .await
            .unwrap()
    };
    tokio::time::sleep(Duration::from_millis(2500)).await;
    eventually!("no lease is open past its window", overdue().await == 0);
    let verify = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["ledger", "verify"])
        .env("USNH_DATA_DIR", &server.data_dir)
        .env("DATABASE_URL", &server.database_url)
        .env("USNH_SECRET_KEY", SECRET_KEY)
        .output()
        .expect("ledger verify runs");
    assert!(verify.status.success(), "ledger verify: {}{}", String::from_utf8_lossy(&verify.stdout), String::from_utf8_lossy(&verify.stderr));
    let pool = &db.pool;
    let twice: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT lease_id FROM ledger_entries WHERE kind = 'refund' GROUP BY lease_id HAVING COUNT(*) > 1) t",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(twice, 0, "a lease refunded twice");
    let after_code: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger_entries e JOIN leases l ON l.id = e.lease_id WHERE e.kind = 'refund' AND l.code_at IS NOT NULL",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(after_code, 0, "a refund after a code");
    let debits: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM leases l WHERE (SELECT COUNT(*) FROM ledger_entries e WHERE e.lease_id = l.id AND e.kind = 'lease_debit') <> 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(debits, 0, "every lease has exactly one debit");
    // A code keeps its number from everyone else for that platform ("Rent
    // again" gives it back to its customer only).
    let taken_over: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM leases a JOIN leases b ON b.number_id = a.number_id AND b.platform_id = a.platform_id \
         AND b.user_id <> a.user_id AND b.created_at > a.code_at WHERE a.code_at IS NOT NULL",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(taken_over, 0, "a number leased to someone else for a platform it got a code for");
    for id in &acknowledged.leases {
        let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM leases WHERE id = $1").bind(id).fetch_one(pool).await.unwrap();
        assert_eq!(found, 1, "acknowledged lease {id} is kept");
    }
    for key in &acknowledged.top_up_keys {
        let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries WHERE idempotency_key LIKE $1")
            .bind(format!("%{key}%"))
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(found, 1, "acknowledged top-up {key} is kept, once");
    }
}

/// The local PostgreSQL cluster the tests use ("15 main"), when this
/// process may restart it: tests on the local socket, Debian's tools there.
fn local_cluster() -> Option<(String, String)> {
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        return None;
    }
    let listing = Command::new("pg_lsclusters").arg("-h").output().ok()?;
    let text = String::from_utf8_lossy(&listing.stdout);
    let online = text.lines().find(|l| l.contains("online"))?;
    let mut fields = online.split_whitespace();
    Some((fields.next()?.to_string(), fields.next()?.to_string()))
}

async fn torture(backend: Backend) {
    let Some(database) = TestDatabase::create(backend).await else { return };
    let plan = plan();
    let mut server = Server { child: None, port: free_port(), database_url: database.url.clone(), data_dir: database.dir.path().join("data") };
    std::fs::create_dir_all(&server.data_dir).expect("data dir");
    let svc = services_for(&server).await;
    let operator = customers(&svc, 1, Role::Admin, "operator").await.remove(0);
    let clients = customers(&svc, plan.clients, Role::Customer, "client").await;
    server.start().await;

    let outage = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let tally = Arc::new(Tally::default());
    let acknowledged = Arc::new(Mutex::new(Acknowledged::default()));
    // On PostgreSQL the load runs on until some time after its restart.
    let total = Arc::new(AtomicUsize::new(if backend == Backend::Postgres { usize::MAX } else { plan.operations }));
    let load = Arc::new(Load {
        base: server.base(),
        operator,
        outage: outage.clone(),
        done: done.clone(),
        total: total.clone(),
        tally: tally.clone(),
        acknowledged: acknowledged.clone(),
        db: svc.db.clone(),
    });
    let mut tasks = Vec::new();
    for (i, me) in clients.into_iter().enumerate() {
        let load = load.clone();
        tasks.push(tokio::spawn(async move { load.client(me, 1000 + i as u64).await }));
    }

    // A third of the way: SIGKILL, then restart.
    while done.load(Ordering::Relaxed) < plan.operations / 3 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    outage.store(true, Ordering::Relaxed);
    server.kill();
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.start().await;
    eprintln!("torture ({backend:?}): killed with SIGKILL and restarted at {} operations", done.load(Ordering::Relaxed));
    tokio::time::sleep(Duration::from_millis(300)).await;
    outage.store(false, Ordering::Relaxed);

    // Two thirds: on PostgreSQL, restart the database under the load.
    if backend == Backend::Postgres {
        while done.load(Ordering::Relaxed) < plan.operations * 2 / 3 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if let Some((version, cluster)) = local_cluster() {
            outage.store(true, Ordering::Relaxed);
            let restarted = Command::new("pg_ctlcluster").args([version.as_str(), cluster.as_str(), "restart"]).output();
            assert!(restarted.as_ref().is_ok_and(|o| o.status.success()), "pg_ctlcluster restart: {restarted:?}");
            eprintln!("torture: PostgreSQL restarted, {} operations done ({:?})", done.load(Ordering::Relaxed), restarted.as_ref().map(|o| o.status));
            let base = server.base();
            eventually!(
                "the server reconnected to PostgreSQL by itself",
                reqwest::get(format!("{base}/readyz")).await.is_ok_and(|r| r.status().is_success()),
                within = Duration::from_secs(20)
            );
            outage.store(false, Ordering::Relaxed);
        } else {
            eprintln!("torture: NOT restarting PostgreSQL: no local cluster to restart (TEST_DATABASE_URL set, or no pg_lsclusters)");
        }
        // A third more operations after the restart, on the reconnected pool.
        total.store(done.load(Ordering::Relaxed) + plan.operations / 3, Ordering::Relaxed);
    }
    for t in tasks {
        t.await.expect("client finished");
    }
    let ready = reqwest::get(format!("{}/readyz", server.base())).await.map(|r| r.status().as_u16()).unwrap_or(0);
    assert_eq!(ready, 200, "the server reconnected by itself");
    eprintln!(
        "torture ({backend:?}): {} answered, {} refused (4xx), {} failed during outages (retried)",
        tally.answered.load(Ordering::Relaxed),
        tally.refused.load(Ordering::Relaxed),
        tally.unreachable.load(Ordering::Relaxed)
    );
    assert_eq!(tally.faults_outside_outages.load(Ordering::Relaxed), 0, "no 5xx outside the outages");
    assert!(tally.answered.load(Ordering::Relaxed) > plan.operations / 4, "most operations went through");
    let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
    assert!(!acknowledged.leases.is_empty() && !acknowledged.top_up_keys.is_empty());
    check_invariants(&server, &svc.db, &acknowledged).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn torture_sqlite() {
    tokio::time::timeout(Duration::from_secs(300), torture(Backend::Sqlite)).await.expect("torture timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn torture_postgres() {
    tokio::time::timeout(Duration::from_secs(300), torture(Backend::Postgres)).await.expect("torture timed out");
}

/// What is wrong with a page: cut short; a policy that does not name the
/// nonce its scripts carry (the browser would refuse them, and the page
/// never comes alive); or another account's user ID on it.
fn page_problem(url: &str, policy: &str, body: &str, own_id: Option<&str>, ids: &[String]) -> Option<String> {
    if body.len() <= 500 {
        return Some(format!("{url}: short page ({} bytes)", body.len()));
    }
    let nonce = policy.split("'nonce-").nth(1).and_then(|s| s.split('\'').next());
    match nonce {
        Some(nonce) if body.contains(&format!("nonce=\"{nonce}\"")) => {}
        _ => return Some(format!("{url}: the policy ({policy}) does not name the scripts' nonce")),
    }
    if let Some(other) = ids.iter().find(|id| Some(id.as_str()) != own_id && body.contains(id.as_str())) {
        return Some(format!("{url}: shows {other} to {own_id:?}"));
    }
    None
}

/// Every server-rendered page completes under concurrent load: customers,
/// an admin and anonymous visitors, 32 requests at a time, some abandoned
/// halfway, on the server binary in its own process. Each page names its
/// own script nonce in its policy and shows no other account.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_complete_under_concurrent_load() {
    let run = async {
        let database = TestDatabase::create(Backend::Sqlite).await.expect("sqlite");
        let mut server = Server { child: None, port: free_port(), database_url: database.url.clone(), data_dir: database.dir.path().join("data") };
        std::fs::create_dir_all(&server.data_dir).expect("data dir");
        let svc = services_for(&server).await;
        let admin = customers(&svc, 1, Role::Admin, "pageadmin").await.remove(0);
        let crowd = customers(&svc, 4, Role::Customer, "pagecustomer").await;
        let ids: Vec<String> = crowd.iter().chain([&admin]).map(|c| c.public_id.clone()).collect();
        server.start().await;
        let pages = ["/account", "/wallet", "/get-number", "/support", "/policies", "/", "/docs/api", "/admin", "/admin/users", "/admin/supply", "/admin/audit"];
        let requests = if std::env::var("TORTURE_FULL").is_ok_and(|v| v == "1") { 6000 } else { 1500 };
        let http = reqwest::Client::new();
        let base = server.base();
        let outcomes: Vec<Option<String>> = futures_util::stream::iter(0..requests)
            .map(|i| {
                let page = pages[i % pages.len()];
                let viewer = match i % 3 {
                    0 => Some(&admin),
                    1 if !page.starts_with("/admin") => Some(&crowd[i / 3 % crowd.len()]),
                    _ => None,
                };
                let cookie = viewer.map(|v| v.cookie.clone()).unwrap_or_default();
                let own_id = viewer.map(|v| v.public_id.clone());
                // Admin pages list customers by design.
                let ids = if page.starts_with("/admin") { Vec::new() } else { ids.clone() };
                let (http, url) = (http.clone(), format!("{base}{page}"));
                async move {
                    let fetch = async {
                        let resp = http.get(&url).header("cookie", cookie).send().await?;
                        let policy = resp.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                        Ok::<_, reqwest::Error>((policy, resp.text().await?))
                    };
                    // Every seventh load is abandoned halfway, as a browser
                    // following a link mid-load does.
                    if i % 7 == 0 {
                        let _ = tokio::time::timeout(Duration::from_millis((i % 5) as u64), fetch).await;
                        return None;
                    }
                    match tokio::time::timeout(Duration::from_secs(10), fetch).await {
                        Ok(Ok((policy, body))) => page_problem(&url, &policy, &body, own_id.as_deref(), &ids),
                        Ok(Err(e)) => Some(format!("{url}: {e}")),
                        Err(_) => Some(format!("{url}: no complete answer in 10 s")),
                    }
                }
            })
            .buffer_unordered(32)
            .collect()
            .await;
        let failed: Vec<String> = outcomes.into_iter().flatten().collect();
        assert!(failed.is_empty(), "{} of {requests} pages failed: {:?}", failed.len(), &failed[..failed.len().min(5)]);
    };
    tokio::time::timeout(Duration::from_secs(300), run).await.expect("page load timed out");
}

/// A server binary with one (fake) upstream supplier, an admin and a
/// funded customer; the pool is empty, so rentals buy from the supplier.
struct Supplied {
    server: Server,
    supplier: common::fake_upstream::FakeUpstream,
    svc: app::services::Services,
    config: std::path::PathBuf,
    admin: Customer,
    buyer: Customer,
    buyer_id: i64,
    _database: TestDatabase,
}

impl Supplied {
    async fn start() -> Supplied {
        let database = TestDatabase::create(Backend::Sqlite).await.expect("sqlite");
        let supplier = common::fake_upstream::FakeUpstream::start().await;
        let server = Server { child: None, port: free_port(), database_url: database.url.clone(), data_dir: database.dir.path().join("data") };
        std::fs::create_dir_all(&server.data_dir).expect("data dir");
        let config = server.data_dir.join("usnh.toml");
        let settings = format!(
            "[[upstreams]]\nname = \"daisy\"\nbase_url = \"{}\"\napi_key = \"{}\"\ntimeout_ms = 4000\n",
            supplier.url,
            common::fake_upstream::KEY
        );
        std::fs::write(&config, settings).expect("config written");
        let svc = services_for(&server).await;
        let admin = customers(&svc, 1, Role::Admin, "supplyadmin").await.remove(0);
        let buyer = customers(&svc, 1, Role::Customer, "buyer").await.remove(0);
        let buyer_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'buyer0'").fetch_one(&svc.db.pool).await.expect("buyer");
        let funds = app::services::ledger::Posting {
            user_id: buyer_id,
            kind: app::domain::EntryKind::TopUp,
            amount: app::domain::Money::from_cents(500),
            lease_id: None,
            actor_user_id: None,
            note: "test funds",
            idempotency_key: "supplied-funds",
        };
        app::services::ledger::post(&svc, &funds).await.expect("funded");
        let mut supplied = Supplied { server, supplier, svc, config, admin, buyer, buyer_id, _database: database };
        supplied.run().await;
        supplied
    }

    async fn run(&mut self) {
        let mut command = self.server.command();
        command.env("USNH_CONFIG", &self.config).arg("serve");
        self.server.start_with(command).await;
    }

    /// The buyer asks for a Telegram number while the supplier takes 3 s
    /// to answer; returns once the supplier has the request.
    async fn buying(&self) -> tokio::task::JoinHandle<Result<(u16, serde_json::Value), ()>> {
        self.supplier.script(|s| s.delay = Duration::from_secs(3));
        let (base, cookie) = (self.server.base(), self.buyer.cookie.clone());
        let asking = tokio::spawn(async move {
            call(&reqwest::Client::new(), &base, &cookie, "confirm_lease", &[("platform", "telegram"), ("price_cents", "120"), ("idempotency_key", "supplied-purchase")]).await
        });
        eventually!("the supplier was asked for a number", !self.supplier.calls("getNumber").is_empty());
        asking
    }

    async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&self.svc.db.pool).await.expect("count")
    }
}

/// The server killed while a supplier answers a purchase: the supplier
/// may have sold a number that nothing here will ever end (and it charges
/// for it). After the restart, the operator is told, on the supply page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purchase_cut_short_by_a_crash_is_reported() {
    let run = async {
        let mut up = Supplied::start().await;
        let asking = up.buying().await;
        up.server.kill();
        let _ = asking.await;
        assert_eq!(up.count("upstream_activations").await, 0, "the sale never reached our records");

        up.supplier.script(|s| s.delay = Duration::ZERO);
        up.run().await;
        let (http, base) = (reqwest::Client::new(), up.server.base());
        // Flagged once it is older than any purchase can take (2 × 4 s + 5 s).
        eventually!(
            "the operator is told of the purchase cut short",
            {
                let view = call(&http, &base, &up.admin.cookie, "admin/upstreams", &[]).await.map(|(_, v)| v).unwrap_or_default();
                view[0]["interrupted_purchases"].as_array().is_some_and(|a| a.len() == 1)
            },
            within = Duration::from_secs(40)
        );
        let page = http.get(format!("{base}/admin/supply")).header("cookie", &up.admin.cookie).send().await.expect("page").text().await.expect("body");
        assert!(page.contains("data-testid=\"interrupted-purchases\""), "the supply page warns");
        assert!(page.contains("cancel any activation from these minutes"), "and says what to do");
        let balance = app::services::ledger::balance(&up.svc.db, up.buyer_id).await.expect("balance").cents();
        assert_eq!(balance, 500, "the customer paid nothing");
    };
    tokio::time::timeout(Duration::from_secs(120), run).await.expect("crash test timed out");
}

/// Stopped (SIGTERM, as a deploy does) while a supplier answers a purchase
/// whose customer already left: the server waits for the answer and
/// records the sale before it exits, so nothing is left unknown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_lets_a_purchase_finish() {
    let run = async {
        let mut up = Supplied::start().await;
        let asking = up.buying().await;
        asking.abort(); // the customer closed the tab
        let mut child = up.server.child.take().expect("running");
        let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
        assert!(term.success());
        let exited = tokio::task::spawn_blocking(move || child.wait()).await.expect("waited").expect("exit status");
        assert!(exited.success(), "a clean stop: {exited:?}");
        assert_eq!(up.count("upstream_activations").await, 1, "the sale was recorded before the exit");
        assert_eq!(up.count("upstream_purchase_attempts").await, 0, "nothing left for the operator to chase");
    };
    tokio::time::timeout(Duration::from_secs(60), run).await.expect("stop test timed out");
}

/// Started under a low open-file limit (Debian's default soft limit is
/// 1,024; here 256), the server raises it to the hard limit and serves
/// more connections at once than the low limit has files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_open_file_limit_is_raised() {
    use std::os::unix::process::CommandExt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const LOW: u64 = 256;
    const CONNECTIONS: usize = 600;
    let run = async {
        let (_, hard) = rlimit::Resource::NOFILE.get().expect("limits");
        if hard < 2 * CONNECTIONS as u64 {
            eprintln!("skipped: this machine's hard open-file limit is {hard}");
            return;
        }
        let Some(database) = TestDatabase::create(Backend::Sqlite).await else { return };
        let mut server = Server { child: None, port: free_port(), database_url: database.url.clone(), data_dir: database.dir.path().join("data") };
        let mut command = server.command();
        command.arg("serve");
        // SAFETY: setrlimit is a plain system call, safe between fork and exec.
        unsafe {
            command.pre_exec(move || rlimit::setrlimit(rlimit::Resource::NOFILE, LOW, hard));
        }
        server.start_with(command).await;

        let mut open = Vec::new();
        for i in 0..CONNECTIONS {
            let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", server.port)).await.expect("connects");
            stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.expect("sends");
            let mut answer = [0u8; 512];
            let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer)).await;
            let read = read.unwrap_or_else(|_| panic!("connection {i} of {CONNECTIONS} was never answered"));
            assert!(answer[..read.expect("reads")].starts_with(b"HTTP/1.1 200"), "connection {i}");
            open.push(stream); // held open, as a page's event stream is
        }
    };
    tokio::time::timeout(Duration::from_secs(60), run).await.expect("open-file test timed out");
}
