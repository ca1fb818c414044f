//! Test harness: starts the real server on a random port against a fresh
//! database — a new SQLite file, or a new PostgreSQL database — per test.
#![allow(dead_code)]

use std::{future::Future, sync::Arc, time::Duration};

pub mod browser;
pub mod customers;
pub mod fake_upstream;
pub mod smtp_sink;

use app::services::{clock::ManualClock, db::Db, Services};
use server::{config::Config, Application};
use sqlx::{any::AnyPoolOptions, Executor};
use tempfile::TempDir;

pub const TEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests create their databases on: `TEST_DATABASE_URL`,
/// or the local server over its Unix socket.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres:///postgres?host=/var/run/postgresql".to_string())
}

fn postgres_required() -> bool {
    std::env::var("TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// A fresh, empty database of the given backend, dropped afterwards.
pub struct TestDatabase {
    pub url: String,
    pub dir: TempDir,
    pg_name: Option<String>,
}

impl TestDatabase {
    /// None when PostgreSQL is wanted but unreachable (and not required).
    pub async fn create(backend: Backend) -> Option<TestDatabase> {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                Some(TestDatabase { url, dir, pg_name: None })
            }
            Backend::Postgres => {
                sqlx::any::install_default_drivers();
                let admin_url = postgres_admin_url();
                let admin = match AnyPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(3))
                    .connect(&admin_url)
                    .await
                {
                    Ok(pool) => pool,
                    Err(e) if !postgres_required() => {
                        eprintln!("\n!!! SKIPPED on PostgreSQL: cannot reach {admin_url}: {e}\n");
                        return None;
                    }
                    Err(e) => panic!("PostgreSQL is required but unreachable at {admin_url}: {e}"),
                };
                let name = format!("usnh_test_{}", uuid::Uuid::new_v4().simple());
                // Bounded well under the test's timeout, so a stuck
                // CREATE DATABASE says so instead of timing the test out.
                tokio::time::timeout(Duration::from_secs(20), admin.execute(format!("CREATE DATABASE {name}").as_str()))
                    .await
                    .expect("CREATE DATABASE answers within 20 s")
                    .expect("create test database");
                admin.close().await;
                let mut url = url::Url::parse(&admin_url).expect("admin url parses");
                url.set_path(&format!("/{name}"));
                Some(TestDatabase { url: url.to_string(), dir, pg_name: Some(name) })
            }
        }
    }
}

impl TestDatabase {
    /// The same database for a second server instance; only the first
    /// handle drops it.
    pub fn second_handle(&self) -> TestDatabase {
        TestDatabase { url: self.url.clone(), dir: tempfile::tempdir().expect("temp dir"), pg_name: None }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else { return };
        // Drop runs outside async; a small runtime of its own does the work.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
            if let Ok(rt) = rt {
                rt.block_on(async {
                    if let Ok(admin) = AnyPoolOptions::new()
                        .max_connections(1)
                        .connect(&postgres_admin_url())
                        .await
                    {
                        let _ = admin
                            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                            .await;
                        admin.close().await;
                    }
                });
            }
        })
        .join();
    }
}

/// A running server and an HTTP client for it.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    services: Arc<Services>,
    pub database: TestDatabase,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Stops the server, letting open requests finish.
    pub async fn stop(mut self) -> TestDatabase {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.db.pool.close().await;
        // Moving the database out of a Drop type needs a swap.
        std::mem::replace(&mut self.database, TestDatabase { url: String::new(), dir: tempfile::tempdir().expect("temp dir"), pg_name: None })
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A self-signed certificate for localhost, valid until 1 January of `year`.
pub fn certificate_until(year: i32) -> rcgen::CertifiedKey<rcgen::KeyPair> {
    self_signed(rcgen::date_time_ymd(year, 1, 1))
}

/// A self-signed certificate for localhost that ends `valid` from now.
pub fn certificate_valid_for(valid: std::time::Duration) -> rcgen::CertifiedKey<rcgen::KeyPair> {
    self_signed(time::OffsetDateTime::now_utc() + valid)
}

fn self_signed(not_after: time::OffsetDateTime) -> rcgen::CertifiedKey<rcgen::KeyPair> {
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("certificate parameters");
    params.not_after = not_after;
    let signing_key = rcgen::KeyPair::generate().expect("a key pair");
    let cert = params.self_signed(&signing_key).expect("self-signed");
    rcgen::CertifiedKey { cert, signing_key }
}

/// Writes `certified` into `dir` (made when missing) as `cert.pem` and
/// `key.pem`, the files `USNH_TLS_CERT_FILE` and `USNH_TLS_KEY_FILE` name.
pub fn write_certificate(certified: &rcgen::CertifiedKey<rcgen::KeyPair>, dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    std::fs::create_dir_all(dir).expect("certificate directory");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).expect("certificate written");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("key written");
    (cert, key)
}

/// A client that trusts only this certificate, reaching `localhost` at
/// `addr`; it follows no redirects and gives up on a request after 5 s.
pub fn client_trusting(certified: &rcgen::CertifiedKey<rcgen::KeyPair>, addr: std::net::SocketAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).expect("a PEM certificate"))
        .tls_built_in_root_certs(false)
        .resolve("localhost", addr)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .expect("a client")
}

/// The configuration tests start from: random port, the test database.
pub fn test_config(database: &TestDatabase) -> Config {
    Config {
        data_dir: database.dir.path().join("data"),
        database_url: Some(database.url.clone()),
        listen: "127.0.0.1:0".into(),
        // Tests deliver codes themselves; a short window would race them.
        demo_code_delay_secs: 3600,
        // A test that wants scheduled backups turns them on.
        backup_every_minutes: 0,
        ..Config::default()
    }
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
    let database = TestDatabase::create(backend).await?;
    let mut config = test_config(&database);
    adjust(&mut config);
    Some(start(config, database).await)
}

/// A server whose clock the test moves by hand.
pub async fn spawn_app_with_clock(backend: Backend) -> Option<(TestApp, std::sync::Arc<ManualClock>)> {
    let database = TestDatabase::create(backend).await?;
    let clock = ManualClock::new();
    let config = test_config(&database);
    let app = start_customised(config, database, {
        let clock = clock.clone();
        move |services| services.clock = clock
    })
    .await;
    Some((app, clock))
}

/// Starts a server on an existing database (for restarts).
pub async fn start(config: Config, database: TestDatabase) -> TestApp {
    start_customised(config, database, |_| {}).await
}

pub async fn start_customised(config: Config, database: TestDatabase, customise: impl FnOnce(&mut Services)) -> TestApp {
    // Server logs only on request: TEST_LOG=1 cargo test …
    if std::env::var_os("TEST_LOG").is_some() {
        server::telemetry::init("pretty");
    }
    let app = Application::build_customised(config, customise).await.expect("server starts");
    let base = format!("http://{}", app.local_addr());
    let db = app.state().db.clone();
    let services = app.state().services.clone();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = app
            .run_until(async move {
                let _ = stop_rx.await;
            })
            .await;
    });
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    TestApp { base, client, db, services, database, stop: Some(stop_tx), task: Some(task) }
}

impl TestApp {
    /// The running server's services, for setting up state directly.
    pub fn services(&self) -> Arc<Services> {
        self.services.clone()
    }

    /// A second browser: its own cookie jar.
    pub fn new_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client")
    }

    /// Calls a server function with form-encoded arguments, as a form
    /// without JavaScript would; returns status and body.
    pub async fn call(&self, client: &reqwest::Client, name: &str, form: &[(&str, &str)]) -> (u16, String) {
        let resp = client
            .post(self.url(&format!("/api/{name}")))
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .expect("server function answers");
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap_or_default())
    }

    /// The last code mailed to `email` through the development outbox.
    pub async fn last_mailed_code(&self, email: &str) -> String {
        let body: String = sqlx::query_scalar("SELECT body FROM dev_outbox WHERE to_addr = $1 ORDER BY id DESC LIMIT 1")
            .bind(email)
            .fetch_one(&self.db.pool)
            .await
            .expect("a mail was sent");
        extract_code(&body)
    }
}

/// The password test accounts use.
pub const PASSWORD: &str = "purple tiger eats nine plums";

/// A new browser with a new account `username` (email username@example.com).
pub async fn signed_up(app: &TestApp, username: &str) -> browser::Browser {
    let mut browser = browser::Browser::new(&app.base);
    let answer = browser
        .call(
            "sign_up",
            &[("email", &format!("{username}@example.com")), ("username", username), ("password", PASSWORD), ("adult_and_terms", "yes")],
        )
        .await;
    assert!(answer.status < 400, "sign up failed: {} {}", answer.status, answer.body);
    browser
}

/// Creates a verified admin `username` (as `server admin create` does)
/// and returns a browser signed in as them.
pub async fn signed_in_admin(app: &TestApp, username: &str) -> browser::Browser {
    app::services::accounts::create_admin(
        &app.services(),
        app::domain::Email::parse(&format!("{username}@example.com")).expect("email"),
        app::domain::Username::parse(username).expect("username"),
        app::domain::NewPassword::parse(PASSWORD, None, None).expect("password"),
    )
    .await
    .expect("admin created");
    let mut browser = browser::Browser::new(&app.base);
    let answer = browser.call("sign_in", &[("login", username), ("password", PASSWORD)]).await;
    assert!(answer.status < 400, "admin sign-in failed: {}", answer.body);
    browser
}

/// `/events` for the browser's session (asserted open).
pub async fn event_stream(app: &TestApp, browser: &browser::Browser) -> reqwest::Response {
    let stream = reqwest::Client::new().get(app.url("/events")).header("cookie", browser.cookie_header()).send().await.expect("events");
    assert_eq!(stream.status(), 200);
    stream
}

/// Reads an event stream until `want` shows, each chunk within 10 s; what it read.
pub async fn read_events_until(stream: &mut reqwest::Response, want: &str) -> String {
    read_events_until_within(stream, want, std::time::Duration::from_secs(10)).await
}

/// Reads an event stream until `want` shows, each chunk within `within`.
pub async fn read_events_until_within(stream: &mut reqwest::Response, want: &str, within: std::time::Duration) -> String {
    let mut seen = String::new();
    while !seen.contains(want) {
        let chunk = tokio::time::timeout(within, stream.chunk()).await.expect("an event in time").expect("stream read").expect("stream open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

/// What an event stream sends within `quiet` (keep-alives come every 15 s).
pub async fn events_within(stream: &mut reqwest::Response, quiet: std::time::Duration) -> String {
    let mut seen = String::new();
    let until = tokio::time::Instant::now() + quiet;
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(until, stream.chunk()).await {
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

/// Posts `body` to the generic SMS webhook signed with `secret`; returns
/// the status.
pub async fn post_generic_sms(app: &TestApp, body: &str, secret: &str) -> u16 {
    let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0).to_string();
    let sig = app::services::webhook_signatures::generic_signature(secret, &ts, body.as_bytes());
    post_signed_json(app, "/webhooks/sms/generic", [("x-usnh-timestamp", ts), ("x-usnh-signature", sig)], body).await
}

/// Posts a JSON `body` to a webhook at `path` with its signature headers;
/// returns the status (0 when no answer came).
pub async fn post_signed_json(app: &TestApp, path: &str, headers: [(&str, String); 2], body: &str) -> u16 {
    let mut request = reqwest::Client::new().post(app.url(path)).header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request.body(body.to_string()).send().await.map(|r| r.status().as_u16()).unwrap_or(0)
}

/// The admin menu's count of what on the Supply page needs an operator.
pub async fn supply_attention(admin: &mut browser::Browser) -> i64 {
    let answer = admin.call("admin/supply_attention", &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body.trim().parse().expect("a count")
}

/// A loopback port free now, for a server a test starts on a port of its
/// choosing. Below Linux's ephemeral range (32768 and up), where bind-to-0
/// ports come from: another test's outgoing connection took one of those
/// before the server bound it. Successive calls try different ports.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let seed = u64::from(std::process::id()) * 7_919 + CALLS.fetch_add(1, Ordering::Relaxed) * 104_729;
    (0..12_000u64)
        .map(|i| 20_000 + ((seed + i) % 12_000) as u16)
        .find(|port| std::net::TcpListener::bind(("127.0.0.1", *port)).is_ok())
        .expect("a free port below 32768")
}

/// The first run of 6 digits in a text.
pub fn extract_code(text: &str) -> String {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(5))
        .find(|&i| bytes[i..i + 6].iter().all(u8::is_ascii_digit) && (i + 6 == bytes.len() || !bytes[i + 6].is_ascii_digit()))
        .map(|i| text[i..i + 6].to_string())
        .expect("a 6-digit code in the mail")
}

/// Runs one test body against each backend; PostgreSQL may be skipped
/// (loudly) when it is unreachable and not required.
pub async fn on_backend<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    // A hang fails the test instead of stalling the whole run.
    let run = async {
        if let Some(app) = spawn_app(backend).await {
            body(app).await;
        }
    };
    tokio::time::timeout(TEST_TIMEOUT, run).await.expect("test timed out");
}

/// Waits until `check` (an expression, which may `.await`) holds, asking
/// every 100 ms, for 10 s or the bound given; fails naming `what`. For
/// work a background task or another process finishes on its own time.
#[macro_export]
macro_rules! eventually {
    ($what:expr, $check:expr) => {
        $crate::eventually!($what, $check, within = std::time::Duration::from_secs(10))
    };
    ($what:expr, $check:expr, within = $bound:expr) => {{
        let deadline = std::time::Instant::now() + $bound;
        loop {
            if $check {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "never happened: {}", $what);
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }};
}

/// Declares `mod sqlite` and `mod postgres`, each running the listed
/// test bodies (async fns taking a `TestApp`).
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::on_backend($crate::common::Backend::Sqlite, super::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::on_backend($crate::common::Backend::Postgres, super::$name).await;
                }
            )*
        }
    };
}

/// Like `backend_tests!`, for test bodies that start their own app: async
/// fns taking the `Backend`.
#[macro_export]
macro_rules! per_backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    tokio::time::timeout($crate::common::TEST_TIMEOUT, super::$name($crate::common::Backend::Sqlite)).await.expect("test timed out")
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    tokio::time::timeout($crate::common::TEST_TIMEOUT, super::$name($crate::common::Backend::Postgres)).await.expect("test timed out")
                }
            )*
        }
    };
}
