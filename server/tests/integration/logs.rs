//! What the real binary writes to its log.
use std::{
    io::Read,
    process::{Command, Stdio},
    time::Duration,
};

/// The reseller API takes its key in the query string (the SMS-Activate
/// protocol); request logs name the path only, so no key reaches a log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_logs_leave_out_query_strings() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_server"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("USNH_DATA_DIR", dir.path().join("data"))
        .env("USNH_LISTEN", format!("127.0.0.1:{port}"))
        .env("USNH_BACKUP_EVERY_MINUTES", "0")
        .env("RUST_LOG", "debug,sqlx=warn")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("server binary runs");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let mut ready = false;
    for _ in 0..200 {
        if client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let answer = client.get(format!("{base}/stubs/handler_api.php?api_key=usnh_SECRETKEYSECRETKEY&action=getBalance")).send().await;
    let _ = server.kill();
    let _ = server.wait();
    let mut written = String::new();
    std::fs::File::open(&log_path).unwrap().read_to_string(&mut written).unwrap();
    assert!(ready, "the server started: {written}");
    assert_eq!(answer.unwrap().text().await.unwrap(), "BAD_KEY");
    assert!(written.contains("/stubs/handler_api.php"), "the request is logged: {written}");
    assert!(!written.contains("SECRETKEY"), "a key reached the log: {written}");
}
