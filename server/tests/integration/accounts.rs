//! Accounts and sessions end to end over HTTP, on SQLite and PostgreSQL.
use crate::common;

use common::{browser::Browser, Backend, TestApp, PASSWORD};



async fn sign_up(app: &TestApp, browser: &mut Browser, email: &str, username: &str) {
    let answer = browser
        .call("sign_up", &[("email", email), ("username", username), ("password", PASSWORD), ("adult_and_terms", "yes")])
        .await;
    assert!(answer.status < 400, "sign up failed: {} {}", answer.status, answer.body);
    let _ = app;
}

async fn user_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&app.db.pool).await.unwrap()
}

backend_tests!(
    sign_up_verify_sign_out_and_in,
    five_wrong_codes_invalidate_the_code,
    bad_sign_up_input_is_refused_and_changes_nothing,
    wrong_password_is_refused_and_logged,
    sign_out_one_device_from_another,
    a_sign_out_reaches_another_instance_within_a_second,
    admin_cli_creates_a_verified_admin,
    email_moves_to_a_new_address_with_the_code_mailed_there,
    a_mistyped_sign_up_address_is_replaced_and_verified,
    an_abandoned_email_change_ends_its_code,
    a_refused_move_leaves_its_code_working,
    a_sign_in_from_a_new_kind_of_browser_is_mailed,
);

async fn sign_up_verify_sign_out_and_in(app: TestApp) {
    let mut browser = Browser::new(&app.base);
    sign_up(&app, &mut browser, "Ann@Example.com", "ann_lee").await;
    let viewer = browser.viewer().await;
    assert_eq!(viewer["email"], "ann@example.com");
    assert_eq!(viewer["username"], "ann_lee");
    assert_eq!(viewer["email_verified"], false);
    assert_eq!(viewer["role"], "customer");
    let public_id = viewer["public_id"].as_str().unwrap().to_string();
    assert!(app::domain::PublicUserId::parse(&public_id).is_ok(), "{public_id}");
    for cookie in browser.cookies.keys() {
        assert!(cookie == "usnh_access" || cookie == "usnh_refresh", "{cookie}");
    }

    let code = app.last_mailed_code("ann@example.com").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let answer = browser.call("verify_email", &[("code", wrong)]).await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("4 attempts left"), "{}", answer.body);
    let answer = browser.call("verify_email", &[("code", &code)]).await;
    assert!(answer.status < 400, "{}", answer.body);
    assert_eq!(browser.viewer().await["email_verified"], true);

    let answer = browser.call("sign_out", &[]).await;
    assert!(answer.status < 400);
    assert!(browser.cookies.is_empty(), "cookies cleared: {:?}", browser.cookies);
    assert!(browser.viewer().await.is_null());

    let mut other = Browser::new(&app.base);
    let answer = other.call("sign_in", &[("login", "ANN_LEE"), ("password", PASSWORD)]).await;
    assert!(answer.status < 400, "{}", answer.body);
    // The answer is the new viewer: the page sets it without asking again.
    let answered: serde_json::Value = serde_json::from_str(&answer.body).unwrap_or_default();
    assert_eq!(answered["username"], "ann_lee", "{}", answer.body);
    assert_eq!(other.viewer().await["public_id"], public_id.as_str());

    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT e.kind FROM security_events e JOIN users u ON u.id = e.user_id WHERE u.email = $1 ORDER BY e.id",
    )
    .bind("ann@example.com")
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(kinds, ["sign_up", "email_verified", "sign_out", "sign_in"]);
}

async fn five_wrong_codes_invalidate_the_code(app: TestApp) {
    let mut browser = Browser::new(&app.base);
    sign_up(&app, &mut browser, "bo@example.com", "bo_1").await;
    let code = app.last_mailed_code("bo@example.com").await;
    let wrong = if code == "123456" { "654321" } else { "123456" };
    for attempt in 1..=5 {
        let answer = browser.call("verify_email", &[("code", wrong)]).await;
        assert_eq!(answer.status, 400, "attempt {attempt}");
    }
    let answer = browser.call("verify_email", &[("code", &code)]).await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("no valid code"), "{}", answer.body);
    assert_eq!(browser.viewer().await["email_verified"], false);

    // A resend right away is throttled with Retry-After.
    let answer = browser.call("resend_verification", &[]).await;
    assert_eq!(answer.status, 429, "{}", answer.body);
}

async fn bad_sign_up_input_is_refused_and_changes_nothing(app: TestApp) {
    let long_name = "a".repeat(10_000);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("email", "not-an-email"), ("username", "carol"), ("password", PASSWORD), ("adult_and_terms", "yes")], "valid email"),
        (vec![("email", "c@example.com"), ("username", &long_name), ("password", PASSWORD), ("adult_and_terms", "yes")], "3 to 32"),
        (vec![("email", "c@example.com"), ("username", "<script>x</script>"), ("password", PASSWORD), ("adult_and_terms", "yes")], "Use only letters"),
        (vec![("email", "c@example.com"), ("username", "bob');DROP TABLE users;--"), ("password", PASSWORD), ("adult_and_terms", "yes")], "Use only letters"),
        (vec![("email", "c@example.com"), ("username", "carol"), ("password", "short"), ("adult_and_terms", "yes")], "at least 15"),
        // What a deleted account is renamed to stays free.
        (vec![("email", "c@example.com"), ("username", "deleted-2"), ("password", PASSWORD), ("adult_and_terms", "yes")], "reserved"),
        (vec![("email", "deleted-2@deleted.invalid"), ("username", "carol"), ("password", PASSWORD), ("adult_and_terms", "yes")], "valid email"),
        (vec![("email", "c@example.com"), ("username", "carol"), ("password", "passwordpassword"), ("adult_and_terms", "yes")], "too common"),
        (vec![("email", "c@example.com"), ("username", "carol"), ("password", "a              "), ("adult_and_terms", "yes")], "5 different characters"),
        (vec![("email", "c@example.com"), ("username", "carol"), ("password", PASSWORD)], "18 or older"),
        (vec![("email", "c@example.com")], "not understood"),
    ];
    let mut browser = Browser::new(&app.base);
    for (form, needle) in cases {
        let answer = browser.call("sign_up", &form).await;
        assert_eq!(answer.status, 400, "{form:?}: {}", answer.body);
        assert!(answer.body.contains(needle), "{needle:?} not in {}", answer.body);
    }
    // Bytes that are not UTF-8 get a clear 400.
    let garbage = browser
        .client
        .post(app.url("/api/sign_up"))
        .header("origin", app.base.clone())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'e', b'm', b'a', b'i', b'l', b'=', 0xff, 0xfe, b'&', b'u', b'=', 0xc3])
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status().as_u16(), 400);
    // A body far too large is refused; the server may close the
    // connection before the client has finished sending it.
    let huge = "x".repeat(3 * 1024 * 1024);
    let sent = browser
        .client
        .post(app.url("/api/sign_up"))
        .header("origin", app.base.clone())
        .form(&[("email", "c@example.com"), ("username", "carol"), ("password", &huge)])
        .send()
        .await;
    if let Ok(resp) = sent {
        assert_eq!(resp.status().as_u16(), 413);
        // The unread rest closes the connection: the client must not reuse it.
        assert_eq!(resp.headers().get("connection").map(|v| v.as_bytes()), Some(&b"close"[..]));
    }
    assert_eq!(user_count(&app).await, 0);
    assert!(browser.cookies.is_empty());

    // The same email twice: a clear message, still one account.
    sign_up(&app, &mut browser, "dee@example.com", "dee").await;
    let mut again = Browser::new(&app.base);
    let answer = again
        .call("sign_up", &[("email", "DEE@example.com"), ("username", "dee2"), ("password", PASSWORD), ("adult_and_terms", "yes")])
        .await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("exists already"), "{}", answer.body);
    assert_eq!(user_count(&app).await, 1);
}

async fn wrong_password_is_refused_and_logged(app: TestApp) {
    let mut browser = Browser::new(&app.base);
    sign_up(&app, &mut browser, "eve@example.com", "eve").await;
    let mut attacker = Browser::new(&app.base);
    for login in ["eve", "nobody@example.com"] {
        let answer = attacker.call("sign_in", &[("login", login), ("password", "not the right password")]).await;
        assert_eq!(answer.status, 400);
        assert!(answer.body.contains("Wrong email, username or password"), "{}", answer.body);
        assert!(attacker.cookies.is_empty());
    }
    let failures: i64 = sqlx::query_scalar("SELECT failed_signins FROM users WHERE username = 'eve'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(failures, 1);
    let logged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM security_events WHERE kind = 'sign_in_failed'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(logged, 1);
}

async fn sign_out_one_device_from_another(app: TestApp) {
    let mut phone = Browser::new(&app.base);
    sign_up(&app, &mut phone, "fay@example.com", "fay").await;
    let mut laptop = Browser::new(&app.base);
    laptop.user_agent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Firefox/130.0".into();
    let answer = laptop.call("sign_in", &[("login", "fay"), ("password", PASSWORD)]).await;
    assert!(answer.status < 400);

    let devices = laptop.call("devices", &[]).await.json();
    let devices = devices.as_array().unwrap();
    assert_eq!(devices.len(), 2);
    let phone_device = devices.iter().find(|d| d["this_device"] == false).unwrap();
    assert_eq!(phone_device["browser"], "Chrome on Linux");
    assert_eq!(phone_device["ip"], "127.0.0.1");
    let phone_id = phone_device["id"].as_str().unwrap().to_string();

    // Another user cannot end it, and learns nothing.
    let mut stranger = Browser::new(&app.base);
    sign_up(&app, &mut stranger, "gus@example.com", "gus").await;
    assert_eq!(stranger.call("sign_out_device", &[("id", &phone_id)]).await.status, 404);
    assert!(!phone.viewer().await.is_null());

    let stale = phone.cookies.clone();
    assert!(laptop.call("sign_out_device", &[("id", &phone_id)]).await.status < 400);
    assert!(phone.viewer().await.is_null(), "phone signed out");
    // A tab that has not asked since still holds the ended session's
    // cookies when its owner signs in again: the sign-in holds.
    let mut tab = Browser::new(&app.base);
    tab.cookies = stale;
    assert!(tab.call("sign_in", &[("login", "fay"), ("password", PASSWORD)]).await.status < 400);
    assert_eq!(tab.viewer().await["username"], "fay", "signed in, not cleared by the old cookies");
    assert!(!laptop.viewer().await.is_null(), "laptop still in");
    // Signed-out pages and functions need a session again.
    assert_eq!(phone.call("devices", &[]).await.status, 401);
}

/// Each instance keeps sessions it read for a second: a sign-out on one
/// instance holds there at once, and on the other once that second ends.
async fn a_sign_out_reaches_another_instance_within_a_second(app: TestApp) {
    // Same database and data directory (so the same signing key).
    let other = common::start(common::test_config(&app.database), app.database.second_handle()).await;
    let mut here = Browser::new(&app.base);
    sign_up(&app, &mut here, "ivy@example.com", "ivy").await;
    let stolen = here.cookies.clone();
    let mut there = Browser::new(&other.base);
    there.cookies = stolen.clone();
    assert_eq!(there.viewer().await["username"], "ivy", "the other instance has read the session");

    assert!(here.call("sign_out", &[]).await.status < 400);
    let mut replay_here = Browser::new(&app.base);
    replay_here.cookies = stolen;
    assert!(replay_here.viewer().await.is_null(), "out at once where it was signed out");
    eventually!("the other instance shuts the session out", there.viewer().await.is_null(), within = std::time::Duration::from_secs(3));
    drop(other);
}

async fn admin_cli_creates_a_verified_admin(app: TestApp) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["admin", "create", "--email", "root@example.com", "--username", "boss"])
        .env("DATABASE_URL", &app.database.url)
        .env("USNH_DATA_DIR", app.database.dir.path().join("data"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("admin created: UN-"));

    let mut browser = Browser::new(&app.base);
    assert!(browser.call("sign_in", &[("login", "root@example.com"), ("password", PASSWORD)]).await.status < 400);
    let viewer = browser.viewer().await;
    assert_eq!(viewer["role"], "admin");
    assert_eq!(viewer["email_verified"], true);
}

async fn mails_to(app: &TestApp, email: &str) -> Vec<(String, String)> {
    sqlx::query_as("SELECT subject, body FROM dev_outbox WHERE to_addr = $1 ORDER BY id")
        .bind(email)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

async fn stored_email(app: &TestApp, username: &str) -> String {
    sqlx::query_scalar("SELECT email FROM users WHERE username = $1").bind(username).fetch_one(&app.db.pool).await.unwrap()
}

async fn email_moves_to_a_new_address_with_the_code_mailed_there(app: TestApp) {
    let (mut browser, _) = common::customers::verified_customer(&app, "joan", 0).await;
    let mut other = Browser::new(&app.base);
    sign_up(&app, &mut other, "kim@example.com", "kim").await;

    // Refused, and nothing mailed or changed.
    let refusals = [
        ("not-an-email", PASSWORD, "valid email"),
        ("joan@example.com", PASSWORD, "your email already"),
        ("joan.new@example.com", "not my password at all", "password is not right"),
        ("KIM@example.com", PASSWORD, "Another account uses this email"),
    ];
    for (new_email, password, says) in refusals {
        let answer = browser.call("request_email_change", &[("new_email", new_email), ("password", password)]).await;
        assert_eq!(answer.status, 400, "{new_email}: {}", answer.body);
        assert!(answer.body.contains(says), "{new_email}: {}", answer.body);
    }
    assert!(mails_to(&app, "joan.new@example.com").await.is_empty());
    assert!(mails_to(&app, "kim@example.com").await.len() == 1, "kim has her sign-up code only");
    // Without a session: 401.
    let answer = Browser::new(&app.base).call("request_email_change", &[("new_email", "x@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(answer.status, 401);
    assert_eq!(Browser::new(&app.base).call("pending_email_change", &[]).await.status, 401);
    assert_eq!(browser.call("pending_email_change", &[]).await.json(), serde_json::Value::Null);

    let answer = browser.call("request_email_change", &[("new_email", "Joan.New@Example.com"), ("password", PASSWORD)]).await;
    assert!(answer.status < 400, "{}", answer.body);
    assert_eq!(answer.json(), "joan.new@example.com");
    // Nothing moves until the code comes back; a reload finds the step.
    assert_eq!(stored_email(&app, "joan").await, "joan@example.com");
    assert_eq!(browser.call("pending_email_change", &[]).await.json(), "joan.new@example.com");
    let code = app.last_mailed_code("joan.new@example.com").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let answer = browser.call("confirm_email_change", &[("code", wrong)]).await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("4 attempts left"), "{}", answer.body);
    assert_eq!(stored_email(&app, "joan").await, "joan@example.com");

    let answer = browser.call("confirm_email_change", &[("code", &code)]).await;
    assert!(answer.status < 400, "{}", answer.body);
    assert_eq!(answer.json()["email"], "joan.new@example.com");
    let viewer = browser.viewer().await;
    assert_eq!(viewer["email"], "joan.new@example.com");
    assert_eq!(viewer["email_verified"], true);
    assert_eq!(stored_email(&app, "joan").await, "joan.new@example.com");
    // The code is spent.
    assert_eq!(browser.call("confirm_email_change", &[("code", &code)]).await.status, 400);
    assert_eq!(browser.call("pending_email_change", &[]).await.json(), serde_json::Value::Null);

    // The old, verified address is told, without the new one.
    let old_mails = mails_to(&app, "joan@example.com").await;
    let (subject, body) = old_mails.last().unwrap();
    assert_eq!(subject, "Your US Num Hub email was changed");
    assert!(body.contains("joan") && body.contains("WhatsApp") && !body.contains("joan.new"), "{body}");
    let kinds: Vec<(String, String)> = sqlx::query_as(
        "SELECT e.kind, e.detail FROM security_events e JOIN users u ON u.id = e.user_id WHERE u.username = 'joan' AND e.kind = 'email_changed'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(kinds, [("email_changed".to_string(), "joan@example.com -> joan.new@example.com".to_string())]);

    // Sign-in and password reset follow the new address only.
    let mut fresh = Browser::new(&app.base);
    assert_eq!(fresh.call("sign_in", &[("login", "joan@example.com"), ("password", PASSWORD)]).await.status, 400);
    assert!(fresh.call("sign_in", &[("login", "joan.new@example.com"), ("password", PASSWORD)]).await.status < 400);
    assert!(Browser::new(&app.base).call("request_password_reset", &[("email", "joan@example.com")]).await.status < 400);
    assert_eq!(mails_to(&app, "joan@example.com").await.len(), old_mails.len(), "no reset code to the old address");
}

/// Mistyped at sign-up: the code went nowhere useful. The address is
/// replaced and verified by the code mailed to the right one; the old
/// address (never proven) is told nothing, and its code stops working.
async fn a_mistyped_sign_up_address_is_replaced_and_verified(app: TestApp) {
    let mut browser = Browser::new(&app.base);
    sign_up(&app, &mut browser, "lee@exmaple.com", "lee").await;
    let typo_code = app.last_mailed_code("lee@exmaple.com").await;
    let answer = browser.call("request_email_change", &[("new_email", "lee@example.com"), ("password", PASSWORD)]).await;
    assert!(answer.status < 400, "{}", answer.body);
    let code = app.last_mailed_code("lee@example.com").await;
    let answer = browser.call("confirm_email_change", &[("code", &code)]).await;
    assert!(answer.status < 400, "{}", answer.body);
    let viewer = browser.viewer().await;
    assert_eq!(viewer["email"], "lee@example.com");
    assert_eq!(viewer["email_verified"], true);
    assert_eq!(mails_to(&app, "lee@exmaple.com").await.len(), 1, "only the sign-up code went to the typo");
    let answer = browser.call("verify_email", &[("code", &typo_code)]).await;
    assert_eq!(answer.status, 400, "the code sent to the old address ended: {}", answer.body);
}

/// "Use another address": the code already mailed stops working, and the
/// page no longer opens at the code step.
async fn an_abandoned_email_change_ends_its_code(app: TestApp) {
    let (mut browser, _) = common::customers::verified_customer(&app, "ada", 0).await;
    let answer = browser.call("request_email_change", &[("new_email", "ada.new@example.com"), ("password", PASSWORD)]).await;
    assert!(answer.status < 400, "{}", answer.body);
    let code = app.last_mailed_code("ada.new@example.com").await;
    assert_eq!(Browser::new(&app.base).call("abandon_email_change", &[]).await.status, 401);
    assert_eq!(browser.call("pending_email_change", &[]).await.json(), "ada.new@example.com", "not ended by a stranger");
    assert!(browser.call("abandon_email_change", &[]).await.status < 400);
    assert_eq!(browser.call("pending_email_change", &[]).await.json(), serde_json::Value::Null);
    let answer = browser.call("confirm_email_change", &[("code", &code)]).await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("no valid code"), "{}", answer.body);
    assert_eq!(stored_email(&app, "ada").await, "ada@example.com");
}

/// Another account took the address between the code and the move: the
/// move is refused and the code is not spent with nothing to show for it.
async fn a_refused_move_leaves_its_code_working(app: TestApp) {
    let (mut browser, _) = common::customers::verified_customer(&app, "bob", 0).await;
    let (_other, _) = common::customers::verified_customer(&app, "cyd", 0).await;
    let answer = browser.call("request_email_change", &[("new_email", "shared@example.com"), ("password", PASSWORD)]).await;
    assert!(answer.status < 400, "{}", answer.body);
    let code = app.last_mailed_code("shared@example.com").await;
    sqlx::query("UPDATE users SET email = 'shared@example.com' WHERE username = 'cyd'").execute(&app.db.pool).await.unwrap();
    let answer = browser.call("confirm_email_change", &[("code", &code)]).await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("Another account took this email"), "{}", answer.body);
    assert_eq!(stored_email(&app, "bob").await, "bob@example.com");
    assert_eq!(browser.call("pending_email_change", &[]).await.json(), "shared@example.com", "the code still works");
    // Once the address is free again, the same code moves the account.
    sqlx::query("UPDATE users SET email = 'cyd@example.com' WHERE username = 'cyd'").execute(&app.db.pool).await.unwrap();
    assert!(browser.call("confirm_email_change", &[("code", &code)]).await.status < 400);
    assert_eq!(stored_email(&app, "bob").await, "shared@example.com");
}

/// The owner hears of a sign-in from a kind of browser the account never
/// used (not of a new version or address); failed attempts from it do not
/// make it known, and an unverified address is told nothing.
async fn a_sign_in_from_a_new_kind_of_browser_is_mailed(app: TestApp) {
    common::customers::verified_customer(&app, "hal", 0).await;
    let before = mails_to(&app, "hal@example.com").await.len();
    let sign_in = |user_agent: &str, password: &'static str| {
        let mut browser = Browser::new(&app.base);
        browser.user_agent = user_agent.into();
        async move { browser.call("sign_in", &[("login", "hal"), ("password", password)]).await.status }
    };
    assert!(sign_in("Mozilla/5.0 (X11; Linux x86_64) Chrome/157.0 Safari/537.36", PASSWORD).await < 400);
    assert_eq!(mails_to(&app, "hal@example.com").await.len(), before, "a newer Chrome on the same system is known");

    let firefox_mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Firefox/130.0";
    assert!(sign_in(firefox_mac, PASSWORD).await < 400);
    let mails = mails_to(&app, "hal@example.com").await;
    assert_eq!(mails.len(), before + 1);
    let (subject, body) = mails.last().unwrap();
    assert_eq!(subject, "New sign-in to US Num Hub from Firefox on macOS");
    assert!(body.contains("hal") && body.contains("IP address 127.0.0.1") && body.contains("Forgot password?"), "{body}");
    assert!(sign_in(firefox_mac, PASSWORD).await < 400);
    assert_eq!(mails_to(&app, "hal@example.com").await.len(), before + 1, "told once");

    let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/140.0 Edg/140.0";
    assert_eq!(sign_in(edge, "not the password at all").await, 400);
    assert_eq!(mails_to(&app, "hal@example.com").await.len(), before + 1, "a failed attempt is not a sign-in");
    assert!(sign_in(edge, PASSWORD).await < 400);
    assert_eq!(mails_to(&app, "hal@example.com").await.len(), before + 2, "failed attempts did not make Edge known");

    let mut unverified = Browser::new(&app.base);
    sign_up(&app, &mut unverified, "ivy@example.com", "ivy").await;
    let mut other = Browser::new(&app.base);
    other.user_agent = firefox_mac.into();
    assert!(other.call("sign_in", &[("login", "ivy"), ("password", PASSWORD)]).await.status < 400);
    assert_eq!(mails_to(&app, "ivy@example.com").await.len(), 1, "the sign-up code only");
}

// ---- token lifetimes, with a hand-moved clock ----

macro_rules! clock_tests {
    ($($name:ident),*) => {
        mod with_clock {
            $(
                mod $name {
                    use super::super::{common::TEST_TIMEOUT, Backend};
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn sqlite() {
                        tokio::time::timeout(TEST_TIMEOUT, super::super::$name(Backend::Sqlite)).await.expect("test timed out")
                    }
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn postgres() {
                        tokio::time::timeout(TEST_TIMEOUT, super::super::$name(Backend::Postgres)).await.expect("test timed out")
                    }
                }
            )*
        }
    };
}

clock_tests!(
    admin_sessions_end_after_an_idle_hour,
    expired_code_is_refused,
    wrong_codes_are_capped_per_day,
    expired_access_token_is_refreshed_transparently,
    refresh_token_reuse_ends_the_session,
    two_tabs_refreshing_at_once_stay_signed_in
);

async fn expired_code_is_refused(backend: Backend) {
    let Some((app, clock)) = common::spawn_app_with_clock(backend).await else { return };
    let mut browser = Browser::new(&app.base);
    sign_up(&app, &mut browser, "hal@example.com", "hal").await;
    let code = app.last_mailed_code("hal@example.com").await;
    clock.advance_millis(15 * 60_000 + 1);
    // The access token expired too; the refresh token carries the session.
    let answer = browser.call("verify_email", &[("code", &code)]).await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("expired"), "{}", answer.body);
}

/// Each code dies after 5 wrong tries, and a new one can be had every
/// minute; across codes, 20 wrong tries in 24 hours end the guessing
/// (for a reset code, 7,200 guesses a day otherwise) until the oldest of
/// them is a day old. (Through the service: the per-minute limits in
/// front of it run on real time.)
async fn wrong_codes_are_capped_per_day(backend: Backend) {
    use app::{domain::Email, services::email_codes::{self, Purpose}};
    let Some((app, clock)) = common::spawn_app_with_clock(backend).await else { return };
    let mut browser = Browser::new(&app.base);
    sign_up(&app, &mut browser, "gus@example.com", "gus").await;
    let svc = app.services();
    let user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'gus'").fetch_one(&app.db.pool).await.unwrap();
    let email = Email::parse("gus@example.com").unwrap();
    let compose = |code: &str| ("Your code".to_string(), format!("Your password reset code is {code}."));
    for round in 0..4 {
        email_codes::issue_and_mail(&svc, user, Purpose::ResetPassword, &email, compose).await.unwrap();
        let right = app.last_mailed_code("gus@example.com").await;
        let wrong = if right == "000000" { "000001" } else { "000000" };
        for _ in 0..5 {
            assert!(matches!(email_codes::consume(&svc, user, Purpose::ResetPassword, wrong).await, Err(app::error::AppError::Invalid(_))), "round {round}");
        }
        clock.advance_millis(61_000);
    }
    let refused = email_codes::issue_and_mail(&svc, user, Purpose::ResetPassword, &email, compose).await;
    assert!(matches!(refused, Err(app::error::AppError::RateLimited(s)) if s > 23 * 3600), "{refused:?}");
    let answer = browser.call("verify_email", &[("code", "123456")]).await;
    assert_ne!(answer.status, 429, "another purpose keeps its own count: {}", answer.body);
    // Unchanged in a day's last minute, open again once the first round's
    // code is a day old.
    clock.advance_millis(24 * 3_600_000 - 4 * 61_000 - 60_000);
    assert!(email_codes::issue_and_mail(&svc, user, Purpose::ResetPassword, &email, compose).await.is_err());
    clock.advance_millis(61_000);
    email_codes::issue_and_mail(&svc, user, Purpose::ResetPassword, &email, compose).await.unwrap();
    let right = app.last_mailed_code("gus@example.com").await;
    email_codes::consume(&svc, user, Purpose::ResetPassword, &right).await.unwrap().tx.commit().await.unwrap();
}

async fn expired_access_token_is_refreshed_transparently(backend: Backend) {
    let Some((app, clock)) = common::spawn_app_with_clock(backend).await else { return };
    let mut browser = Browser::new(&app.base);
    sign_up(&app, &mut browser, "ida@example.com", "ida").await;
    eprintln!("checkpoint: signed up");
    let old_access = browser.cookies["usnh_access"].clone();
    let old_refresh = browser.cookies["usnh_refresh"].clone();
    clock.advance_millis(16 * 60_000);
    assert_eq!(browser.viewer().await["username"], "ida");
    assert_ne!(browser.cookies["usnh_access"], old_access, "new access token");
    assert_ne!(browser.cookies["usnh_refresh"], old_refresh, "refresh token rotated");
    // And a page render does the same.
    clock.advance_millis(16 * 60_000);
    eprintln!("checkpoint: requesting /account");
    let page = browser.get("/account").await;
    eprintln!("checkpoint: /account answered");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("ida@example.com"), "the account page shows the user");
    // Signing out with an expired access token: the tokens renewed on the
    // way in are not handed back after the sign-out's clearing.
    clock.advance_millis(16 * 60_000);
    let out = browser.call("sign_out", &[]).await;
    assert!(out.status < 400, "{}", out.body);
    assert!(!browser.cookies.contains_key("usnh_access") && !browser.cookies.contains_key("usnh_refresh"), "{:?}", out.set_cookies);
}

async fn refresh_token_reuse_ends_the_session(backend: Backend) {
    let Some((app, clock)) = common::spawn_app_with_clock(backend).await else { return };
    let mut browser = Browser::new(&app.base);
    sign_up(&app, &mut browser, "jo@example.com", "jon").await;
    let stolen = browser.cookies["usnh_refresh"].clone();
    clock.advance_millis(16 * 60_000);
    assert!(!browser.viewer().await.is_null(), "rotated");
    clock.advance_millis(30_000);

    let mut thief = Browser::new(&app.base);
    thief.cookies.insert("usnh_refresh".into(), stolen);
    assert!(thief.viewer().await.is_null(), "old refresh token refused");
    clock.advance_millis(16 * 60_000);
    assert!(browser.viewer().await.is_null(), "the session ended for everyone");
    let reuse: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM security_events WHERE kind = 'refresh_token_reuse'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(reuse, 1);
}

async fn two_tabs_refreshing_at_once_stay_signed_in(backend: Backend) {
    let Some((app, clock)) = common::spawn_app_with_clock(backend).await else { return };
    let mut browser = Browser::new(&app.base);
    sign_up(&app, &mut browser, "kim@example.com", "kim").await;
    clock.advance_millis(16 * 60_000);
    let mut tab_a = browser.clone();
    let mut tab_b = browser.clone();
    let (a, b) = tokio::join!(tab_a.viewer(), tab_b.viewer());
    assert_eq!(a["username"], "kim");
    assert_eq!(b["username"], "kim");
    // The tab that lost the race got a fresh access token too.
    assert!(tab_a.viewer().await["username"] == "kim" && tab_b.viewer().await["username"] == "kim");
}

async fn admin_sessions_end_after_an_idle_hour(backend: Backend) {
    let Some((app, clock)) = common::spawn_app_with_clock(backend).await else { return };
    let mut admin = common::signed_in_admin(&app, "chief").await;
    // Active use keeps the session going past an hour in total…
    for _ in 0..4 {
        clock.advance_millis(14 * 60_000);
        assert_eq!(admin.viewer().await["role"], "admin");
    }
    // …but an idle hour ends it, refresh token or not.
    clock.advance_millis(61 * 60_000);
    assert!(admin.viewer().await.is_null());

    // And 24 hours is the most, however active.
    let mut busy = Browser::new(&app.base);
    assert!(busy.call("sign_in", &[("login", "chief"), ("password", PASSWORD)]).await.status < 400);
    for _ in 0..(24 * 60 / 14) {
        clock.advance_millis(14 * 60_000);
        assert!(!busy.viewer().await.is_null());
    }
    clock.advance_millis(30 * 60_000);
    assert!(busy.viewer().await.is_null());
}
