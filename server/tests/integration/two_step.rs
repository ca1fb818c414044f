//! Two-step sign-in over HTTP, on SQLite and PostgreSQL: setup, the code
//! asked at sign-in (good once), recovery codes, renewal and turning off.
//! Codes are made here as a phone's app would, from the key shown.
use crate::common;

use common::{browser::Browser, customers::verified_customer, Backend, TestApp, PASSWORD};

/// Tests that start their own server (a manual clock, a setting).
mod own_server {
    use super::*;
    per_backend_tests!(
        two_step_sign_in_asks_for_a_fresh_code_after_the_password,
        recovery_codes_work_once_and_renew,
        admins_need_two_step_sign_in_where_the_operator_requires_it
    );
}
backend_tests!(two_step_functions_need_a_session_and_the_password, the_operator_turns_it_off_from_the_command_line);

/// The code an authenticator app shows at `millis` for `key` (as shown:
/// base32 in groups).
fn app_code(key: &str, millis: i64) -> String {
    let secret = totp_rs::Secret::try_from_base32(key.replace(' ', "")).expect("a base32 key");
    totp_rs::Builder::new().with_secret(secret).build().expect("totp").generate((millis / 1000) as u64).to_string()
}

async fn sign_in(app: &TestApp, code: Option<&str>) -> (Browser, common::browser::Answer) {
    let mut browser = Browser::new(&app.base);
    let mut form = vec![("login", "tia"), ("password", PASSWORD)];
    form.extend(code.map(|c| ("code", c)));
    let answer = browser.call("sign_in", &form).await;
    (browser, answer)
}

/// Starts the setup and turns it on; answers the key and the recovery codes.
async fn turned_on(browser: &mut Browser, now: i64) -> (String, Vec<String>) {
    let setup = browser.call("begin_two_step", &[("password", PASSWORD)]).await;
    assert_eq!(setup.status, 200, "{}", setup.body);
    let setup: serde_json::Value = serde_json::from_str(&setup.body).unwrap();
    let key = setup["secret"].as_str().unwrap().to_string();
    let on = browser.call("enable_two_step", &[("code", &app_code(&key, now))]).await;
    assert_eq!(on.status, 200, "{}", on.body);
    (key, serde_json::from_str(&on.body).unwrap())
}

async fn admins_need_two_step_sign_in_where_the_operator_requires_it(backend: Backend) {
    let Some(app) = common::spawn_app_with(backend, |c| c.admin_two_step = Some(true)).await else { return };
    let mut admin = common::signed_in_admin(&app, "ada").await;
    let (mut customer, _) = verified_customer(&app, "tia", 0).await;
    let refused = admin.call("admin/dashboard", &[]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("TwoStepRequired"), "{}", refused.body);
    assert_eq!(admin.get("/admin/ledger.csv").await.status, 403, "the plain admin routes too");
    let page = admin.get("/admin/wallets").await;
    assert!(page.body.contains("admin-two-step-required") && page.body.contains("href=\"/account#two-step\""), "the console points to the setup");
    assert!(!page.body.contains("Confirm top-up") && !page.body.contains("class=\"admin-nav\""));
    let account = admin.get("/account").await;
    assert!(account.body.contains("Staff need two-step sign-in on"), "the Account page says why");
    assert!(admin.get("/policies").await.body.contains("Staff must use two-step sign-in"), "the Policies say so");
    // Nor does its event stream hear of customers' tickets.
    let mut stream = common::event_stream(&app, &admin).await;
    assert_eq!(customer.call("support/open", &[("subject", "Unheard"), ("message", "Hello")]).await.status, 200);
    let heard = common::events_within(&mut stream, std::time::Duration::from_millis(500)).await;
    assert!(!heard.contains("staff-ticket"), "{heard}");
    drop(stream);
    // A customer is still simply not an admin.
    let customer_refused = customer.call("admin/dashboard", &[]).await;
    assert_eq!(customer_refused.status, 403);
    assert!(customer_refused.body.contains("Forbidden"), "{}", customer_refused.body);

    // Turned on, the same session opens the console at once.
    turned_on(&mut admin, app.services().now()).await;
    let dashboard = admin.call("admin/dashboard", &[]).await;
    assert_eq!(dashboard.status, 200, "{}", dashboard.body);
    assert_eq!(admin.get("/admin/ledger.csv").await.status, 200);
    let page = admin.get("/admin/wallets").await;
    assert!(page.body.contains("class=\"admin-nav\"") && !page.body.contains("admin-two-step-required"));
    let customer_refused = customer.call("admin/dashboard", &[]).await;
    assert_eq!(customer_refused.status, 403);
}

async fn subjects(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT subject FROM dev_outbox WHERE to_addr = 'tia@example.com' ORDER BY id").fetch_all(&app.db.pool).await.unwrap()
}

async fn two_step_sign_in_asks_for_a_fresh_code_after_the_password(backend: Backend) {
    let Some((app, clock)) = common::spawn_app_with_clock(backend).await else { return };
    let (mut browser, _) = verified_customer(&app, "tia", 0).await;
    let now = || app.services().now();
    // Signed in elsewhere with the password alone, before it is turned on.
    let (mut elsewhere, _) = sign_in(&app, None).await;
    assert_eq!(elsewhere.viewer().await["username"], "tia");

    let wrong = browser.call("begin_two_step", &[("password", "not my password at all")]).await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("password is not right"), "{}", wrong.body);
    let setup = browser.call("begin_two_step", &[("password", PASSWORD)]).await;
    assert_eq!(setup.status, 200, "{}", setup.body);
    let setup: serde_json::Value = serde_json::from_str(&setup.body).unwrap();
    let key = setup["secret"].as_str().unwrap();
    let uri = setup["uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/") && uri.contains("tia") && uri.contains(&format!("secret={}", key.replace(' ', ""))), "{uri}");
    assert!(setup["qr_svg"].as_str().unwrap().contains("<svg"), "a QR code");
    // Sealed at rest: the key is not in the database.
    let stored: String = sqlx::query_scalar("SELECT totp_secret FROM users WHERE username = 'tia'").fetch_one(&app.db.pool).await.unwrap();
    assert!(!stored.contains(&key.replace(' ', "")));

    // Until a first code comes back, nothing is in force.
    let (_, plain) = sign_in(&app, None).await;
    assert_eq!(plain.status, 200, "{}", plain.body);
    let code = app_code(key, now());
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let refused = browser.call("enable_two_step", &[("code", wrong_code)]).await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("not right"), "{}", refused.body);
    assert_eq!(browser.viewer().await["two_step"], false);
    let on = browser.call("enable_two_step", &[("code", &code)]).await;
    assert_eq!(on.status, 200, "{}", on.body);
    let codes: Vec<String> = serde_json::from_str(&on.body).unwrap();
    assert_eq!(codes.len(), 10);
    assert_eq!(browser.viewer().await["two_step"], true, "the session shows it at once");
    assert!(elsewhere.viewer().await.is_null(), "the other devices are signed out");
    let detail: String = sqlx::query_scalar("SELECT e.detail FROM security_events e JOIN users u ON u.id = e.user_id WHERE u.username = 'tia' AND e.kind = 'two_step_enabled'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(detail, "2 other device(s) signed out", "`elsewhere` and the sign-in before the first code");

    // The password alone starts no session; the answer asks for the code.
    let (mut asked, answer) = sign_in(&app, None).await;
    assert_eq!(answer.status, 401);
    assert!(answer.body.contains("SecondStepNeeded"), "{}", answer.body);
    assert!(asked.viewer().await.is_null());
    // The code that turned it on was spent: good once.
    let (_, replayed) = sign_in(&app, Some(&code)).await;
    assert_eq!(replayed.status, 400, "{}", replayed.body);
    let failures: i64 = sqlx::query_scalar("SELECT failed_signins FROM users WHERE username = 'tia'").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(failures, 1, "a wrong code counts as a failed sign-in");
    // A wrong password with a right code is still a wrong password.
    clock.advance_millis(30_000);
    let mut guesser = Browser::new(&app.base);
    let guessed = guesser.call("sign_in", &[("login", "tia"), ("password", "not my password at all"), ("code", &app_code(key, now()))]).await;
    assert_eq!(guessed.status, 400);
    assert!(guessed.body.contains("Wrong email, username or password"), "{}", guessed.body);

    let (mut signed_in, answer) = sign_in(&app, Some(&app_code(key, now()))).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(signed_in.viewer().await["username"], "tia");

    // Off again: the password and a code; the owner is told.
    clock.advance_millis(30_000);
    let no_code = browser.call("disable_two_step", &[("password", PASSWORD), ("code", "12345")]).await;
    assert_eq!(no_code.status, 400);
    let off = browser.call("disable_two_step", &[("password", PASSWORD), ("code", &app_code(key, now()))]).await;
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(browser.viewer().await["two_step"], false);
    let (_, plain) = sign_in(&app, None).await;
    assert_eq!(plain.status, 200, "{}", plain.body);
    assert!(subjects(&app).await.iter().any(|s| s == "Two-step sign-in was turned off"));
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT e.kind FROM security_events e JOIN users u ON u.id = e.user_id WHERE u.username = 'tia' ORDER BY e.id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    for kind in ["two_step_enabled", "sign_in_failed", "two_step_disabled"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }
}

async fn recovery_codes_work_once_and_renew(backend: Backend) {
    let Some((app, _clock)) = common::spawn_app_with_clock(backend).await else { return };
    let (mut browser, _) = verified_customer(&app, "tia", 0).await;
    let (_, codes) = turned_on(&mut browser, app.services().now()).await;

    // Typed as people type it: lower case, without the dash.
    let typed = codes[0].replace('-', "").to_lowercase();
    let (mut recovered, answer) = sign_in(&app, Some(&typed)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(recovered.viewer().await["username"], "tia");
    let (_, again) = sign_in(&app, Some(&codes[0])).await;
    assert_eq!(again.status, 400);
    assert!(again.body.contains("used already"), "{}", again.body);
    let mail = subjects(&app).await;
    assert!(mail.iter().any(|s| s == "A recovery code was used to sign in"), "{mail:?}");
    let body: String = sqlx::query_scalar("SELECT body FROM dev_outbox WHERE subject = 'A recovery code was used to sign in'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(body.contains("9 unused recovery codes are left"), "{body}");

    let wrong = browser.call("renew_recovery_codes", &[("password", "not my password at all")]).await;
    assert_eq!(wrong.status, 400);
    let renewed = browser.call("renew_recovery_codes", &[("password", PASSWORD)]).await;
    assert_eq!(renewed.status, 200, "{}", renewed.body);
    let renewed: Vec<String> = serde_json::from_str(&renewed.body).unwrap();
    assert_eq!(renewed.len(), 10);
    assert!(renewed.iter().all(|c| !codes.contains(c)));
    let (_, old) = sign_in(&app, Some(&codes[1])).await;
    assert_eq!(old.status, 400, "the old codes ended");
    let (_, new) = sign_in(&app, Some(&renewed[1])).await;
    assert_eq!(new.status, 200, "{}", new.body);
}

async fn two_step_functions_need_a_session_and_the_password(app: TestApp) {
    let mut stranger = Browser::new(&app.base);
    for (function, form) in [
        ("begin_two_step", vec![("password", PASSWORD)]),
        ("enable_two_step", vec![("code", "123456")]),
        ("disable_two_step", vec![("password", PASSWORD), ("code", "123456")]),
        ("renew_recovery_codes", vec![("password", PASSWORD)]),
    ] {
        assert_eq!(stranger.call(function, &form).await.status, 401, "{function}");
    }
    let (mut browser, _) = verified_customer(&app, "tia", 0).await;
    // Nothing to turn on before a setup, nothing to renew or turn off while off.
    let early = browser.call("enable_two_step", &[("code", "123456")]).await;
    assert_eq!(early.status, 400);
    assert!(early.body.contains("Start the setup again"), "{}", early.body);
    assert_eq!(browser.call("renew_recovery_codes", &[("password", PASSWORD)]).await.status, 400);
    assert_eq!(browser.call("disable_two_step", &[("password", PASSWORD), ("code", "123456")]).await.status, 400);
    let bad_code = browser.call("sign_in", &[("login", "tia"), ("password", PASSWORD), ("code", "not a code")]).await;
    assert_eq!(bad_code.status, 400);
    assert!(bad_code.body.contains("6-digit code"), "{}", bad_code.body);
}

/// An owner who lost the phone and the recovery codes: the operator turns
/// it off with the server's command line; the owner is told.
async fn the_operator_turns_it_off_from_the_command_line(app: TestApp) {
    let (mut browser, _) = verified_customer(&app, "tia", 0).await;
    turned_on(&mut browser, app.services().now()).await;
    let public_id = browser.viewer().await["public_id"].as_str().unwrap().to_string();
    let operator = |user: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .args(["admin", "two-step-off", user])
            .env("DATABASE_URL", &app.database.url)
            .env("USNH_DATA_DIR", app.database.dir.path().join("data"))
            .output()
            .unwrap()
    };
    let unknown = operator("UN-2222ZZ");
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("No account with two-step sign-in on"), "{}", String::from_utf8_lossy(&unknown.stderr));
    let (_, asked) = sign_in(&app, None).await;
    assert_eq!(asked.status, 401);

    // The admin console shows who has it on.
    let mut admin = common::signed_in_admin(&app, "the_admin").await;
    let two_step_shown = |answer: common::browser::Answer| {
        serde_json::from_str::<serde_json::Value>(&answer.body).unwrap()["user"]["two_step"].as_bool()
    };
    assert_eq!(two_step_shown(admin.call("admin/user", &[("public_id", &public_id)]).await), Some(true));

    let out = operator(&public_id);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(two_step_shown(admin.call("admin/user", &[("public_id", &public_id)]).await), Some(false));
    let (_, plain) = sign_in(&app, None).await;
    assert_eq!(plain.status, 200, "{}", plain.body);
    assert!(subjects(&app).await.iter().any(|s| s == "Two-step sign-in was turned off"));
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(left, 0);
}
