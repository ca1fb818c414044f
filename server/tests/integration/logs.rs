//! What the real binary writes to its log.
use std::{
    io::Read,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

/// The reseller API takes its key in the query string (the SMS-Activate
/// protocol); request logs name the path only, so no key reaches a log.
/// The server binary, started in `dir` with `envs`, writing its log to
/// a file: the process, its port and the log's path.
fn start_logged(dir: &Path, envs: &[(&str, &str)]) -> (Child, u16, PathBuf) {
    let port = crate::common::free_port();
    let log_path = dir.join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let server = Command::new(env!("CARGO_BIN_EXE_server"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("USNH_DATA_DIR", dir.join("data"))
        .env("USNH_LISTEN", format!("127.0.0.1:{port}"))
        .env("USNH_BACKUP_EVERY_MINUTES", "0")
        .env("RUST_LOG", "debug,sqlx=warn")
        .envs(envs.iter().copied())
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("server binary runs");
    (server, port, log_path)
}

/// Whether `/readyz` answered within ten seconds.
async fn ready(client: &reqwest::Client, base: &str) -> bool {
    for _ in 0..200 {
        if client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

fn stop(mut server: Child, log_path: &Path) -> String {
    let _ = server.kill();
    let _ = server.wait();
    let mut written = String::new();
    std::fs::File::open(log_path).unwrap().read_to_string(&mut written).unwrap();
    written
}

/// The reseller API takes its key in the query string (the SMS-Activate
/// protocol); request logs name the path only, so no key reaches a log.
/// A log that is not a terminal gets no colour codes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_logs_leave_out_query_strings() {
    let dir = tempfile::tempdir().unwrap();
    let (server, port, log_path) = start_logged(dir.path(), &[]);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let ready = ready(&client, &base).await;
    let answer = client.get(format!("{base}/stubs/handler_api.php?api_key=usnh_SECRETKEYSECRETKEY&action=getBalance")).send().await;
    let written = stop(server, &log_path);
    assert!(ready, "the server started: {written}");
    assert_eq!(answer.unwrap().text().await.unwrap(), "BAD_KEY");
    assert!(written.contains("/stubs/handler_api.php"), "the request is logged: {written}");
    assert!(!written.contains("SECRETKEY"), "a key reached the log: {written}");
    assert!(!written.contains('\x1b'), "colour codes in a log file: {written}");
}

/// A served certificate that expires within two weeks is warned about
/// in the log, with the days left; one valid for years is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_near_its_end_is_warned_about() {
    const WARNING: &str = "the TLS certificate expires soon";
    for (hours, warned) in [(5 * 24 + 12, true), (400 * 24, false)] {
        let dir = tempfile::tempdir().unwrap();
        let certified = crate::common::certificate_valid_for(Duration::from_secs(hours * 3600));
        let (cert, key) = crate::common::write_certificate(&certified, dir.path());
        let (cert, key) = (cert.display().to_string(), key.display().to_string());
        let envs = [
            ("USNH_TLS_CERT_FILE", cert.as_str()),
            ("USNH_TLS_KEY_FILE", key.as_str()),
            // Required over HTTPS; nothing listens there, the mail just waits.
            ("USNH_SMTP_URL", "smtp://127.0.0.1:9"),
        ];
        let (server, port, log_path) = start_logged(dir.path(), &envs);
        let client = crate::common::client_trusting(&certified, ([127, 0, 0, 1], port).into());
        let ready = ready(&client, &format!("https://localhost:{port}")).await;
        // The check runs as the server starts; a moment for its line.
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if std::fs::read_to_string(&log_path).is_ok_and(|l| l.contains(WARNING)) {
                break;
            }
        }
        let written = stop(server, &log_path);
        assert!(ready, "the server started: {written}");
        assert_eq!(written.contains(WARNING), warned, "{hours} hours left: {written}");
        if warned {
            assert!(written.contains("days_left=5"), "{written}");
        }
    }
}
