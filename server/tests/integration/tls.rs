//! The server serves HTTPS itself from configured PEM files: Secure,
//! `__Host-` cookies and HSTS.
use crate::common;

use common::Backend;

type Certified = rcgen::CertifiedKey<rcgen::KeyPair>;

/// When the served certificate expires, as `/metrics` says.
async fn expiry_in_metrics(client: &reqwest::Client, port: u16) -> String {
    let body = client
        .get(format!("https://localhost:{port}/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = body.lines().find(|l| l.starts_with("usnh_tls_certificate_expiry_timestamp_seconds ")).unwrap_or("");
    line.rsplit(' ').next().unwrap_or("").to_string()
}

const METRICS_TOKEN: &str = "tls-metrics-token";

/// A server on HTTPS from this certificate's files (in `dir`, as cert.pem
/// and key.pem), and its address.
async fn https_app(certified: &Certified, dir: &std::path::Path) -> (common::TestApp, std::net::SocketAddr) {
    https_app_with(certified, dir, |_| {}).await
}

async fn https_app_with(
    certified: &Certified,
    dir: &std::path::Path,
    adjust: impl FnOnce(&mut server::config::Config),
) -> (common::TestApp, std::net::SocketAddr) {
    let (cert_path, key_path) = common::write_certificate(certified, dir);
    let app = common::spawn_app_with(Backend::Sqlite, |config| {
        config.tls_cert_file = Some(cert_path);
        config.tls_key_file = Some(key_path);
        // Required over HTTPS; nothing listens there, the mail just waits.
        config.smtp_url = Some("smtp://127.0.0.1:9".into());
        config.metrics_token = Some(METRICS_TOKEN.into());
        adjust(config);
    })
    .await
    .unwrap();
    let addr = app.base.trim_start_matches("http://").parse().unwrap();
    (app, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_secure_cookies_and_hsts() {
    let certified = common::certificate_until(2030);
    let dir = tempfile::tempdir().unwrap();
    let (_app, addr) = https_app(&certified, dir.path()).await;
    let client = common::client_trusting(&certified, addr);
    let base = format!("https://localhost:{}", addr.port());

    let resp = client.get(format!("{base}/policies")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["strict-transport-security"], "max-age=63072000; includeSubDomains");

    let resp = client
        .post(format!("{base}/api/sign_up"))
        .header("origin", &base)
        .header("accept", "application/json")
        .form(&[("email", "tls@example.com"), ("username", "tls_user"), ("password", "purple tiger eats nine plums"), ("adult_and_terms", "yes")])
        .send()
        .await
        .unwrap();
    assert!(resp.status().as_u16() < 400, "{}", resp.status());
    let cookies: Vec<String> = resp.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    for cookie in &cookies {
        assert!(cookie.starts_with("__Host-usnh_"), "{cookie}");
        assert!(cookie.contains("; Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    }

    // Plain HTTP on the TLS port gets no page.
    let plain = reqwest::Client::new().get(format!("http://{addr}/policies")).send().await;
    assert!(plain.map(|r| r.status().as_u16() >= 400).unwrap_or(true));
}

/// Plain HTTP beside HTTPS served here: every request is sent to its
/// HTTPS address, and certbot's webroot challenge files are served (and
/// nothing else from the disk).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_is_sent_to_https_and_serves_acme_challenges() {
    let certified = common::certificate_until(2030);
    let dir = tempfile::tempdir().unwrap();
    let webroot = dir.path().join("acme");
    std::fs::create_dir_all(webroot.join(".well-known/acme-challenge")).unwrap();
    std::fs::write(webroot.join(".well-known/acme-challenge/tok-EN_123"), "tok-EN_123.thumbprint").unwrap();
    // Where a "../" in the token would reach.
    std::fs::write(webroot.join(".well-known/private.txt"), "not for the web").unwrap();
    let plain_port = common::free_port();
    let (_app, addr) = https_app_with(&certified, dir.path(), |c| {
        c.http_redirect_listen = Some(format!("127.0.0.1:{plain_port}"));
        c.acme_webroot = Some(webroot.clone());
    })
    .await;
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let at = |path: &str| format!("http://127.0.0.1:{plain_port}{path}");

    let sent = plain.get(at("/wallet?show=top-ups")).header("host", format!("localhost:{plain_port}")).send().await.unwrap();
    assert_eq!(sent.status(), 308);
    let location = sent.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, format!("https://localhost:{}/wallet?show=top-ups", addr.port()));
    let landed = common::client_trusting(&certified, addr).get(&location).send().await.unwrap();
    assert_eq!(landed.status(), 200, "the HTTPS address serves the page");

    let challenge = plain.get(at("/.well-known/acme-challenge/tok-EN_123")).send().await.unwrap();
    assert_eq!(challenge.status(), 200);
    assert_eq!(challenge.text().await.unwrap(), "tok-EN_123.thumbprint");
    for path in ["/.well-known/acme-challenge/unknown", "/.well-known/acme-challenge/..%2Fprivate.txt", "/.well-known/acme-challenge/tok.EN_123"] {
        let refused = plain.get(at(path)).send().await.unwrap();
        assert_eq!(refused.status(), 404, "{path}");
    }
}

/// A renewed certificate (new files in place) is served without a
/// restart; until then, and if the new pair does not load, the old one is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewed_certificate_is_served_without_a_restart() {
    let (first, renewed) = (common::certificate_until(2030), common::certificate_until(2031));
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let (_app, addr) = https_app(&first, dir.path()).await;
    let url = format!("https://localhost:{}/healthz", addr.port());
    let served_by = |certified: &Certified| {
        let client = common::client_trusting(certified, addr);
        let url = url.clone();
        async move { client.get(&url).send().await.is_ok_and(|r| r.status() == 200) }
    };
    assert!(served_by(&first).await);
    assert!(!served_by(&renewed).await, "a client trusting only the new certificate is refused");
    eventually!("the expiry in /metrics", expiry_in_metrics(&common::client_trusting(&first, addr), addr.port()).await == "1893456000");

    // Half a renewal: a new certificate beside the old key does not load.
    std::fs::write(&cert_path, renewed.cert.pem()).unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    assert!(served_by(&first).await, "the old pair keeps serving");

    std::fs::write(&key_path, renewed.signing_key.serialize_pem()).unwrap();
    eventually!("the renewed certificate is served", served_by(&renewed).await, within = std::time::Duration::from_secs(15));
    assert!(!served_by(&first).await, "the old certificate is gone");
    eventually!("the new expiry (2031-01-01) in /metrics", expiry_in_metrics(&common::client_trusting(&renewed, addr), addr.port()).await == "1924992000");
}
