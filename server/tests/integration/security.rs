//! Cross-site request forgery, security headers, and input no field takes.
use crate::common;

use common::{signed_up as signed_in, TestApp};


backend_tests!(
    cross_origin_post_is_refused,
    state_change_over_get_is_refused,
    pages_carry_security_headers,
    nul_characters_are_refused_with_a_message,
);

/// A NUL in any field gets the same clear 400 on both databases, and
/// nothing is stored (PostgreSQL answered 500 for support messages, key
/// names, sign-in names and top-up notes).
async fn nul_characters_are_refused_with_a_message(app: TestApp) {
    let (mut customer, _) = common::customers::verified_customer(&app, "nul_sender", 500).await;
    let mut admin = common::signed_in_admin(&app, "nul_admin").await;
    let public_id = customer.viewer().await["public_id"].as_str().unwrap().to_string();
    let (by_customer, by_admin) = (true, false);
    let calls = [
        (by_customer, "support/open", vec![("subject", "Help\0me"), ("message", "a")]),
        (by_customer, "support/open", vec![("subject", "Help me"), ("message", "a\0b")]),
        (by_customer, "create_api_key", vec![("name", "key\0"), ("callback_url", ""), ("password", common::PASSWORD)]),
        (by_admin, "admin/prepare_top_up", vec![("query", public_id.as_str()), ("amount", "5"), ("note", "n\0")]),
        (by_admin, "admin/users", vec![("query", "a\0")]),
        (by_admin, "admin/prepare_top_up", vec![("query", "x\0"), ("amount", "5"), ("note", "")]),
    ];
    for (as_customer, function, fields) in calls {
        let browser = if as_customer { &mut customer } else { &mut admin };
        let answer = browser.call(function, &fields).await;
        assert_eq!(answer.status, 400, "{function} {fields:?}: {}", answer.body);
        assert!(answer.body.contains("NUL character"), "{function}: {}", answer.body);
    }
    let mut visitor = common::browser::Browser::new(&app.base);
    let answer = visitor.call("sign_in", &[("login", "nul_sender\0"), ("password", common::PASSWORD)]).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    let stored: i64 = sqlx::query_scalar("SELECT (SELECT COUNT(*) FROM support_tickets) + (SELECT COUNT(*) FROM api_keys)")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    // A "%00" typed as text is three characters, not a NUL.
    let typed = customer.call("support/open", &[("subject", "Error %00 on sign-up"), ("message", "It says %00.")]).await;
    assert_eq!(typed.status, 200, "{}", typed.body);
}

async fn cross_origin_post_is_refused(app: TestApp) {
    let mut browser = signed_in(&app, "csrf_target").await;
    let cookie = browser.cookie_header();
    for headers in [
        vec![("origin", "http://evil.example")],
        vec![("sec-fetch-site", "cross-site"), ("origin", "http://evil.example")],
        vec![("referer", "http://evil.example/page")],
        vec![],
    ] {
        let mut req = browser.client.post(app.url("/api/sign_out")).header("cookie", &cookie).form(&[("x", "1")]);
        for (k, v) in &headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 403, "{headers:?}");
    }
    assert_eq!(browser.viewer().await["username"], "csrf_target", "still signed in");
}

/// Browsers without Fetch Metadata (Safari before 16.4) are judged by
/// Origin against the address asked for. Over HTTP/2 that address is in
/// the request line, with no Host header; behind a proxy that passes its
/// upstream address as Host, it is the configured public address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_origin_is_recognised_over_http2_and_behind_a_proxy() {
    let run = async {
        let Some(app) = common::spawn_app_with(common::Backend::Sqlite, |c| {
            c.public_url = Some("https://usnumhub.example".into());
            // Required over HTTPS; nothing listens there.
            c.smtp_url = Some("smtp://127.0.0.1:9".into());
        })
        .await
        else {
            return;
        };
        let h2 = reqwest::Client::builder().http2_prior_knowledge().build().unwrap();
        let h1 = reqwest::Client::new();
        let sign_in = |client: &reqwest::Client, origin: &str| {
            client.post(app.url("/api/sign_in")).header("origin", origin).form(&[("login", "nobody"), ("password", "not the password")]).send()
        };
        for (client, origin, ours) in [
            (&h2, app.base.as_str(), true),
            (&h2, "http://evil.example", false),
            (&h1, "https://usnumhub.example", true),
            (&h1, "https://usnumhub.example.evil.example", false),
        ] {
            let answer = sign_in(client, origin).await.unwrap();
            let over_h2 = answer.version() == reqwest::Version::HTTP_2;
            assert_eq!(over_h2, std::ptr::eq(client, &h2), "{origin}");
            let status = answer.status().as_u16();
            let body = answer.text().await.unwrap_or_default();
            if ours {
                assert!(!body.contains("Cross-site"), "{origin} was refused: {status} {body}");
                assert!(body.contains("Wrong email, username or password"), "{origin} reached sign-in: {status} {body}");
            } else {
                assert_eq!(status, 403, "{origin}: {body}");
            }
        }
    };
    tokio::time::timeout(common::TEST_TIMEOUT, run).await.expect("test timed out");
}

async fn state_change_over_get_is_refused(app: TestApp) {
    let mut browser = signed_in(&app, "get_target").await;
    for path in ["/api/sign_out", "/api/sign_out_others", "/api/sign_up?email=a@b.co&username=abc&password=purple+tiger+eats+nine+plums&adult_and_terms=yes"] {
        let answer = browser.get(path).await;
        assert!(answer.status >= 400, "GET {path} answered {}", answer.status);
    }
    assert_eq!(browser.viewer().await["username"], "get_target", "still signed in");
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(users, 1);
}

async fn pages_carry_security_headers(app: TestApp) {
    let resp = app.client.get(app.url("/policies")).send().await.unwrap();
    let headers = resp.headers().clone();
    let html = resp.text().await.unwrap();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "strict-origin-when-cross-origin");
    assert!(headers["permissions-policy"].to_str().unwrap().contains("camera=()"));
    assert_eq!(headers["cross-origin-opener-policy"], "same-origin");
    assert!(headers.get("strict-transport-security").is_none(), "no HSTS over plain HTTP");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("a nonce");
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries the nonce");

    assert_eq!(headers["cache-control"], "no-store", "no cache keeps a page");

    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(resp.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    // A signed-in page and the data the browser asks for are not kept either.
    let browser = signed_in(&app, "headers_user").await;
    let page = app.client.get(app.url("/wallet")).header("cookie", browser.cookie_header()).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-store");
    let data = app.client.post(app.url("/api/my_leases")).header("cookie", browser.cookie_header()).header("origin", app.base.clone()).send().await.unwrap();
    assert_eq!(data.status(), 200);
    assert_eq!(data.headers()["cache-control"], "no-store");
    // The client's files are revalidated instead.
    let file = app.client.get(app.url("/pkg/usnumhub.wasm")).send().await.unwrap();
    assert_eq!(file.headers()["cache-control"], "no-cache");
}

/// Slow clients do not hold connections: one that never finishes its
/// headers, one that sends nothing, one that never finishes its body, and
/// a kept-alive connection left idle are closed (the body with a 408) once
/// the client timeout passes, and an HTTP/2 peer that stops answering
/// pings is dropped. (The database plays no part: SQLite only.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off() {
    use std::time::{Duration, Instant};
    use tokio::io::AsyncWriteExt;

    let run = async {
        let Some(app) = common::spawn_app_with(common::Backend::Sqlite, |c| c.client_timeout_secs = 1).await else { return };
        let addr = app.base.trim_start_matches("http://").to_string();
        /// Reads until the server closes the connection; what it sent.
        async fn until_closed(stream: &mut tokio::net::TcpStream) -> String {
            String::from_utf8_lossy(&until_closed_bytes(stream).await).into_owned()
        }

        let started = Instant::now();
        let mut trickling = tokio::net::TcpStream::connect(&addr).await.unwrap();
        trickling.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n").await.unwrap();
        let mut silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let mut slow_body = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST /api/sign_in HTTP/1.1\r\nHost: {addr}\r\nOrigin: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nlogin=",
            app.base
        );
        slow_body.write_all(head.as_bytes()).await.unwrap();
        let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
        idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();

        assert!(!until_closed(&mut trickling).await.contains("200 OK"), "unfinished headers get no answer");
        assert_eq!(until_closed(&mut silent).await, "", "a connection that sends nothing");
        let refused = until_closed(&mut slow_body).await;
        assert!(refused.starts_with("HTTP/1.1 408"), "an unfinished body: {refused}");
        assert!(refused.to_lowercase().contains("connection: close"), "{refused}");
        let answered = until_closed(&mut idle).await;
        assert!(answered.starts_with("HTTP/1.1 200 OK"), "the request in time was served: {answered}");
        assert!(started.elapsed() < Duration::from_secs(8), "closed after about a second: {:?}", started.elapsed());

        // A body over the cap, sent without a length, is refused as too large.
        let mut chunked = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST /api/sign_in HTTP/1.1\r\nHost: {addr}\r\nOrigin: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n",
            app.base
        );
        let chunk = format!("{:x}\r\nlogin={}\r\n", 300 * 1024 + 6, "x".repeat(300 * 1024));
        chunked.write_all(head.as_bytes()).await.unwrap();
        let _ = chunked.write_all(chunk.as_bytes()).await;
        let refused = until_closed(&mut chunked).await;
        assert!(refused.starts_with("HTTP/1.1 413"), "a body over the cap: {refused}");

        // HTTP/2 (prior knowledge): one request answered, then a peer that
        // never acknowledges the server's pings, as one gone off the network.
        let started = Instant::now();
        let mut gone = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let mut hello = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
        hello.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]); // SETTINGS, none
        // HPACK: GET, http, :path "/healthz", :authority "localhost".
        let mut block = vec![0x82, 0x86, 0x44, 8];
        block.extend_from_slice(b"/healthz");
        block.extend_from_slice(&[0x41, 9]);
        block.extend_from_slice(b"localhost");
        let len = u8::try_from(block.len()).unwrap();
        hello.extend_from_slice(&[0, 0, len, 1, 0x05, 0, 0, 0, 1]); // HEADERS, end of stream and headers, stream 1
        hello.extend_from_slice(&block);
        gone.write_all(&hello).await.unwrap();
        let frames = until_closed_bytes(&mut gone).await;
        let kinds = frame_kinds(&frames);
        assert!(kinds.contains(&(1, 1)), "the request was answered: {kinds:?}");
        assert!(kinds.contains(&(6, 0)), "the server pinged: {kinds:?}");
        assert!(started.elapsed() < Duration::from_secs(8), "dropped after about two seconds: {:?}", started.elapsed());

        // The server still answers new requests.
        assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    };
    tokio::time::timeout(common::TEST_TIMEOUT, run).await.expect("test timed out");
}

/// One host holds at most its share of connections: one over the limit
/// is closed on arrival, and a closed connection frees its place. A
/// server listening on loopback only (behind a local proxy) has no cap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_holds_a_limited_number_of_connections() {
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;

    let run = async {
        let Some(app) = common::spawn_app_with(common::Backend::Sqlite, |c| {
            c.max_connections_per_address = 3;
            c.metrics_token = Some("limit-metrics".into());
            // A server on loopback only is not limited (a local proxy
            // carries every user); this one is reachable from elsewhere.
            c.listen = "0.0.0.0:0".into();
        })
        .await
        else {
            return;
        };
        let addr = app.base.trim_start_matches("http://").to_string();
        // Three kept-alive connections, each answered.
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(answered_connection(&addr).await);
        }
        let started = std::time::Instant::now();
        let mut over = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let _ = over.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await;
        assert_eq!(until_closed_bytes(&mut over).await, b"", "the fourth connection is closed unanswered");
        assert!(started.elapsed() < Duration::from_secs(2), "closed on arrival, not by a timeout: {:?}", started.elapsed());
        // A closed connection frees its place: the scrape gets through.
        drop(held.pop());
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let metrics = loop {
            if let Ok(answer) = app.client.get(app.url("/metrics")).bearer_auth("limit-metrics").send().await {
                break answer.text().await.unwrap_or_default();
            }
            assert!(std::time::Instant::now() < deadline, "a closed connection never freed its place");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let refused = metrics.lines().find_map(|l| l.strip_prefix("usnh_connections_refused_total ")).and_then(|n| n.parse::<u64>().ok());
        assert!(refused.is_some_and(|n| n >= 1), "the refusal is counted: {metrics}");

        // Listening on loopback only, the cap does not apply.
        let Some(local) = common::spawn_app_with(common::Backend::Sqlite, |c| c.max_connections_per_address = 1).await else { return };
        let local_addr = local.base.trim_start_matches("http://").to_string();
        for _ in 0..3 {
            held.push(answered_connection(&local_addr).await);
        }
    };
    tokio::time::timeout(common::TEST_TIMEOUT, run).await.expect("test timed out");
}

/// A kept-alive connection to `addr` on which GET /healthz was answered.
async fn answered_connection(addr: &str) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();
    let mut answer = [0u8; 512];
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut answer)).await.expect("answered").unwrap();
    assert!(answer[..read].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer[..read]));
    stream
}

/// Reads until the peer closes (10 s at most per read); the bytes.
async fn until_closed_bytes(stream: &mut tokio::net::TcpStream) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut buf)).await.expect("closed in time") {
            Ok(0) | Err(_) => return seen,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// The (type, stream) of each HTTP/2 frame in `bytes`.
fn frame_kinds(mut bytes: &[u8]) -> Vec<(u8, u32)> {
    let mut kinds = Vec::new();
    while bytes.len() >= 9 {
        let len = usize::from(bytes[0]) << 16 | usize::from(bytes[1]) << 8 | usize::from(bytes[2]);
        let stream = u32::from_be_bytes([bytes[5] & 0x7f, bytes[6], bytes[7], bytes[8]]);
        kinds.push((bytes[3], stream));
        bytes = &bytes[(9 + len).min(bytes.len())..];
    }
    kinds
}
