//! Bad configuration ends the real binary with one clear line on stderr,
//! never a panic or a backtrace.
use std::process::Command;

fn run_server(envs: &[(&str, &str)]) -> (i32, String) {
    let (code, _, stderr) = run_server_with(&[], envs);
    (code, stderr)
}

/// The binary with these arguments: exit code, stdout, stderr.
fn run_server_with(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("USNH_DATA_DIR", dir.path().join("data"))
        .env("USNH_LISTEN", "127.0.0.1:0")
        .env("USNH_DB_CONNECT_TIMEOUT_SECS", "2")
        .env("RUST_BACKTRACE", "1");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("server binary runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn assert_one_clear_line(stderr: &str, needle: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(lines[0].contains(needle), "expected {needle:?} in {stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{stderr}");
}

#[test]
fn unparseable_database_url() {
    let (code, err) = run_server(&[("DATABASE_URL", "mysql//nope")]);
    assert_ne!(code, 0);
    assert_one_clear_line(&err, "DATABASE_URL");

    let (code, err) = run_server(&[("DATABASE_URL", "postgres://u:hunter2@[::1:5432/x")]);
    assert_ne!(code, 0);
    assert_one_clear_line(&err, "DATABASE_URL");
    assert!(!err.contains("hunter2"), "the password leaked: {err}");
}

#[test]
fn unreachable_postgres() {
    // Port 1 on loopback: nothing listens there.
    let (code, err) = run_server(&[("DATABASE_URL", "postgres://app:hunter2@127.0.0.1:1/usnh")]);
    assert_ne!(code, 0);
    assert_one_clear_line(&err, "cannot reach PostgreSQL");
    assert!(!err.contains("hunter2"), "the password leaked: {err}");
}

#[test]
fn unwritable_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let below_file = file.join("data");
    let (code, err) = run_server(&[("USNH_DATA_DIR", below_file.to_str().unwrap())]);
    assert_ne!(code, 0);
    assert_one_clear_line(&err, "USNH_DATA_DIR");
}

#[test]
fn port_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (code, err) = run_server(&[("USNH_LISTEN", &addr)]);
    assert_ne!(code, 0);
    assert_one_clear_line(&err, "already in use");
}

#[test]
fn invalid_values_are_named() {
    for (name, value, message) in [
        ("USNH_DEFAULT_LEASE_MINUTES", "lots", "USNH_DEFAULT_LEASE_MINUTES"),
        ("USNH_WHATSAPP_NUMBER", "call me", "USNH_WHATSAPP_NUMBER"),
        ("USNH_BACKUP_KEEP", "0", "USNH_BACKUP_KEEP"),
        ("USNH_HTTP_REDIRECT_LISTEN", "127.0.0.1:0", "USNH_HTTP_REDIRECT_LISTEN sends visitors to HTTPS served here"),
        ("USNH_MAX_CONNECTIONS_PER_ADDRESS", "0", "USNH_MAX_CONNECTIONS_PER_ADDRESS must be at least 1"),
    ] {
        let (code, err) = run_server(&[(name, value)]);
        assert_ne!(code, 0, "{name}={value}");
        assert_one_clear_line(&err, message);
    }
}

#[test]
fn config_command_hides_secrets() {
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("config")
        .env_clear()
        .env("DATABASE_URL", "postgres://app:hunter2@db.example:5432/usnh")
        .env("USNH_SECRET_KEY", "ab".repeat(32))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("db.example"), "{text}");
    assert!(!text.contains("hunter2") && !text.contains(&"ab".repeat(32)), "{text}");
}

/// `server check` with these settings, off the async test's threads: the
/// SMTP sink or supplier it talks to runs on them.
fn server_check(envs: &[(&str, &str)]) -> impl std::future::Future<Output = (i32, String, String)> {
    let envs: Vec<(String, String)> = envs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let ran = tokio::task::spawn_blocking(move || {
        let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        run_server_with(&["check"], &envs)
    });
    async move { ran.await.expect("server check ran") }
}

/// `server check` also talks to the SMTP server and loads the TLS
/// certificate and key when they are configured, and says how long the
/// certificate is valid. An SMTP server that does not answer, an
/// unreadable pair or an expired certificate fails it with one clear line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_tries_smtp_and_the_tls_certificate() {
    let sink = crate::common::smtp_sink::SmtpSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, year: i32| {
        let (cert_path, key_path) = crate::common::write_certificate(&crate::common::certificate_until(year), &dir.path().join(name));
        (cert_path.display().to_string(), key_path.display().to_string())
    };
    let check = |cert: &str, key: &str, smtp: &str| {
        server_check(&[("USNH_TLS_CERT_FILE", cert), ("USNH_TLS_KEY_FILE", key), ("USNH_SMTP_URL", smtp)])
    };
    let smtp = sink.url();

    let (cert, key) = write("current", 2099);
    let (code, out, err) = check(&cert, &key, &smtp).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ok: the SMTP server answers"), "{out}");
    assert!(out.contains("valid until Jan  1 00:00:00 2099"), "{out}");

    let (code, _, err) = check(&cert, &key, "smtp://127.0.0.1:9").await;
    assert_ne!(code, 0, "nothing listens there");
    assert_one_clear_line(&err, "USNH_SMTP_URL: the SMTP server cannot be used");

    let (old_cert, old_key) = write("expired", 2020);
    let (code, _, err) = check(&old_cert, &old_key, &smtp).await;
    assert_ne!(code, 0);
    assert_one_clear_line(&err, "expired on Jan  1 00:00:00 2020");

    let (code, _, err) = check(&cert, &old_key, &smtp).await;
    assert_ne!(code, 0, "a key that does not fit the certificate");
    assert_one_clear_line(&err, "cannot load the TLS certificate");

    // The plain-HTTP side's ACME webroot must exist.
    let webroot = dir.path().join("acme");
    let with_webroot = |webroot: &std::path::Path| {
        let webroot = webroot.display().to_string();
        let envs = [
            ("USNH_TLS_CERT_FILE", cert.as_str()),
            ("USNH_TLS_KEY_FILE", key.as_str()),
            ("USNH_SMTP_URL", smtp.as_str()),
            ("USNH_HTTP_REDIRECT_LISTEN", "127.0.0.1:0"),
            ("USNH_ACME_WEBROOT", webroot.as_str()),
        ];
        server_check(&envs)
    };
    let (code, _, err) = with_webroot(&webroot).await;
    assert_ne!(code, 0);
    assert_one_clear_line(&err, "USNH_ACME_WEBROOT");
    std::fs::create_dir(&webroot).unwrap();
    let (code, out, err) = with_webroot(&webroot).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ok: ACME challenge files are served from"), "{out}");
}

/// `server check` asks every configured upstream supplier for its
/// balance: a wrong key fails it with one clear line naming the supplier.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_asks_each_upstream_for_its_balance() {
    let supplier = crate::common::fake_upstream::FakeUpstream::start().await;
    supplier.script(|s| s.balance = "ACCESS_BALANCE:12.50".into());
    let dir = tempfile::tempdir().unwrap();
    let check = |key: &str| {
        let config = dir.path().join(format!("{key}.toml"));
        std::fs::write(&config, format!("[[upstreams]]\nname = \"daisy\"\nbase_url = \"{}\"\napi_key = \"{key}\"\n", supplier.url)).unwrap();
        server_check(&[("USNH_CONFIG", &config.display().to_string())])
    };

    let (code, out, err) = check(crate::common::fake_upstream::KEY).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ok: upstream daisy answers; balance $12.50"), "{out}");

    let (code, _, err) = check("not-the-key").await;
    assert_ne!(code, 0);
    assert_one_clear_line(&err, "upstream daisy: getBalance failed: BAD_KEY");
}
