//! Password reset and change, rate limits, and the admin role checks.
use crate::common;

use common::{browser::Browser, signed_up, TestApp, PASSWORD};
const NEW_PASSWORD: &str = "seven green kites over the bay";


async fn admin(app: &TestApp) -> Browser {
    common::signed_in_admin(app, "the_admin").await
}

backend_tests!(
    password_reset_ends_every_session,
    reset_answers_the_same_for_unknown_emails,
    changing_the_password_ends_other_sessions,
    the_owner_hears_of_password_changes_and_of_keys_that_outlive_them,
    a_signed_in_session_cannot_guess_the_password_without_limit,
    rapid_failed_sign_ins_from_one_ip_get_429,
    repeated_failures_of_one_account_slow_it_down,
    customers_get_403_from_every_admin_function,
    support_staff_use_the_support_desk_only,
    admins_grant_and_revoke_the_admin_role,
    users_export_their_data_and_delete_their_account,
    the_export_holds_what_we_keep_and_deletion_erases_it,
);

/// Wallet, leases with their SMS, support messages and API keys are in
/// the export, and no secret is; deleting the account erases the texts.
async fn the_export_holds_what_we_keep_and_deletion_erases_it(app: TestApp) {
    let (mut browser, user_id) = common::customers::verified_customer(&app, "archivist", 500).await;
    let lease = browser.call("confirm_lease", &[("platform", "telegram"), ("price_cents", "120"), ("idempotency_key", "export-lease-1")]).await;
    assert_eq!(lease.status, 200, "{}", lease.body);
    let lease_id = lease.json()["id"].as_i64().unwrap();
    let number_id: i64 = sqlx::query_scalar("SELECT number_id FROM leases WHERE id = $1").bind(lease_id).fetch_one(&app.db.pool).await.unwrap();
    let sms = app::services::leases::NewSms {
        number_id: Some(number_id),
        recipient: "",
        sender: "Telegram",
        body: "Telegram code: 31337",
        code: Some("31337"),
        source: "test",
        source_message_id: "export-sms-1",
    };
    app::services::leases::record_sms(&app.services(), sms).await.unwrap();
    let ticket = browser.call("support/open", &[("subject", "Where is my code?"), ("message", "It came, thanks")]).await;
    assert!(ticket.status < 400, "{}", ticket.body);
    let key = browser.call("create_api_key", &[("name", "archive bot"), ("callback_url", "https://bot.example/sms"), ("password", PASSWORD)]).await;
    let key = key.json();
    assert_eq!(browser.call("request_top_up", &[("amount", "15")]).await.status, 200);
    let labelled = browser.call("label_lease", &[("lease_id", &lease_id.to_string()), ("label", "archive account")]).await;
    assert_eq!(labelled.status, 200, "{}", labelled.body);

    let export = browser.get("/account/export").await;
    assert_eq!(export.status, 200);
    let data: serde_json::Value = serde_json::from_str(&export.body).unwrap();
    assert_eq!(data["wallet_balance_cents"], 380);
    let ledger: Vec<i64> = data["ledger"].as_array().unwrap().iter().map(|e| e["amount_cents"].as_i64().unwrap()).collect();
    assert_eq!(ledger, [500, -120], "oldest first");
    assert_eq!(data["ledger"][1]["lease_id"], lease_id);
    assert_eq!((data["top_up_requests"][0]["amount_cents"].as_i64(), data["top_up_requests"][0]["status"].as_str()), (Some(1500), Some("pending")));
    let leased = &data["leases"][0];
    assert_eq!(leased["platform"], "Telegram");
    assert_eq!(leased["state"], "code_received");
    assert_eq!(leased["refused_at"], serde_json::Value::Null, "never said refused");
    assert_eq!(leased["label"], "archive account");
    assert_eq!(leased["sms"][0]["body"], "Telegram code: 31337");
    assert_eq!(leased["sms"][0]["code"], "31337");
    assert_eq!(data["support_tickets"][0]["subject"], "Where is my code?");
    assert_eq!(data["support_tickets"][0]["messages"][0]["body"], "It came, thanks");
    assert_eq!(data["support_tickets"][0]["messages"][0]["from_staff"], false);
    assert_eq!(data["api_keys"][0]["name"], "archive bot");
    assert_eq!(data["api_keys"][0]["callback_url"], "https://bot.example/sms");
    // Secrets stay out.
    for secret in [key["key"].as_str().unwrap(), key["callback_secret"].as_str().unwrap()] {
        assert!(!export.body.contains(secret), "a secret in the export");
    }
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1").bind(user_id).fetch_one(&app.db.pool).await.unwrap();
    assert!(!export.body.contains(&hash) && !export.body.contains("key_hash"));

    // Not with a lease open, nor with money left unless given up.
    let delete = [("password", PASSWORD), ("confirm", "yes")];
    let refused = browser.call("delete_account", &delete).await;
    assert!(refused.status == 400 && refused.body.contains("open lease"), "{}", refused.body);
    let done = browser.call("lease_action", &[("lease_id", &lease_id.to_string()), ("action", "complete")]).await;
    assert!(done.status < 400, "{}", done.body);
    let refused = browser.call("delete_account", &delete).await;
    assert!(refused.status == 400 && refused.body.contains("still holds $3.80"), "{}", refused.body);
    assert!(!browser.viewer().await.is_null(), "nothing was deleted");
    // Mail still waiting for a mail server: the account's goes with it.
    for to in ["archivist@example.com", "someone@example.com"] {
        sqlx::query("INSERT INTO mail_outbox (to_addr, subject, body, next_attempt_at, send_before, created_at) VALUES ($1, 'Queued', 'text', 0, $2, 0)")
            .bind(to)
            .bind(i64::MAX)
            .execute(&app.db.pool)
            .await
            .unwrap();
    }
    let answer = browser.call("delete_account", &[("password", PASSWORD), ("confirm", "yes"), ("give_up_balance", "yes")]).await;
    assert!(answer.status < 400, "{}", answer.body);
    let queued: Vec<String> = sqlx::query_scalar("SELECT to_addr FROM mail_outbox").fetch_all(&app.db.pool).await.unwrap();
    assert_eq!(queued, ["someone@example.com"]);
    let texts: Vec<String> = sqlx::query_scalar(
        "SELECT body FROM sms_messages UNION ALL SELECT body FROM support_messages UNION ALL SELECT subject FROM support_tickets \
         UNION ALL SELECT name FROM api_keys",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(texts.len(), 4);
    assert!(texts.iter().all(|t| t == "[removed with the account]"), "{texts:?}");
    let (status, callback): (String, Option<String>) =
        sqlx::query_as("SELECT t.status, k.callback_url FROM support_tickets t, api_keys k").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!((status.as_str(), callback), ("closed", None));
    let label: Option<String> = sqlx::query_scalar("SELECT label FROM leases WHERE id = $1").bind(lease_id).fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(label, None, "the customer's label goes with the account");
    let ledger: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries WHERE user_id = $1").bind(user_id).fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(ledger, 2, "the books keep their entries");
}

async fn users_export_their_data_and_delete_their_account(app: TestApp) {
    let mut browser = signed_up(&app, "leaving").await;
    let export = browser.get("/account/export").await;
    assert_eq!(export.status, 200);
    assert!(export.headers["content-disposition"].to_str().unwrap().contains("attachment"));
    let data: serde_json::Value = serde_json::from_str(&export.body).unwrap();
    assert_eq!(data["email"], "leaving@example.com");
    assert_eq!(data["devices"].as_array().unwrap().len(), 1);
    assert_eq!(data["security_log"][0]["kind"], "sign_up");
    assert!(data.get("password_hash").is_none(), "no hash in the export");
    assert_eq!(Browser::new(&app.base).get("/account/export").await.status, 401);
    // Each export reads the whole history: five per ten minutes will do.
    for _ in 0..4 {
        assert_eq!(browser.get("/account/export").await.status, 200);
    }
    let limited = browser.get("/account/export").await;
    assert_eq!(limited.status, 429);
    assert!(limited.headers.contains_key("retry-after"));

    let unconfirmed = browser.call("delete_account", &[("password", PASSWORD)]).await;
    assert_eq!(unconfirmed.status, 400);
    let wrong = browser.call("delete_account", &[("password", "definitely not it"), ("confirm", "yes")]).await;
    assert_eq!(wrong.status, 400);
    let answer = browser.call("delete_account", &[("password", PASSWORD), ("confirm", "yes")]).await;
    assert!(answer.status < 400, "{}", answer.body);
    assert!(browser.viewer().await.is_null());

    let row: (String, String, String, Option<i64>) =
        sqlx::query_as("SELECT email, username, password_hash, deleted_at FROM users").fetch_one(&app.db.pool).await.unwrap();
    assert!(row.0.ends_with("@deleted.invalid") && row.1.starts_with("deleted-") && row.2 == "!" && row.3.is_some(), "{row:?}");
    let personal: i64 = sqlx::query_scalar("SELECT (SELECT COUNT(*) FROM sessions) + (SELECT COUNT(*) FROM security_events)")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(personal, 0);
    let again = Browser::new(&app.base).call("sign_in", &[("login", "leaving@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(again.status, 400);
    // The email and username are free again.
    let _ = signed_up(&app, "leaving").await;
}

async fn password_reset_ends_every_session(app: TestApp) {
    let mut first = signed_up(&app, "reset_me").await;
    let mut second = Browser::new(&app.base);
    assert!(second.call("sign_in", &[("login", "reset_me"), ("password", PASSWORD)]).await.status < 400);

    let mut anonymous = Browser::new(&app.base);
    assert!(anonymous.call("request_password_reset", &[("email", "reset_me@example.com")]).await.status < 400);
    let code = app.last_mailed_code("reset_me@example.com").await;
    let weak = anonymous
        .call("reset_password", &[("email", "reset_me@example.com"), ("code", &code), ("password", "short")])
        .await;
    assert_eq!(weak.status, 400, "weak password refused before the code is used");
    let answer = anonymous
        .call("reset_password", &[("email", "reset_me@example.com"), ("code", &code), ("password", NEW_PASSWORD)])
        .await;
    assert!(answer.status < 400, "{}", answer.body);

    assert!(first.viewer().await.is_null(), "first device signed out");
    assert!(second.viewer().await.is_null(), "second device signed out");
    let old = anonymous.call("sign_in", &[("login", "reset_me"), ("password", PASSWORD)]).await;
    assert_eq!(old.status, 400);
    assert!(anonymous.call("sign_in", &[("login", "reset_me"), ("password", NEW_PASSWORD)]).await.status < 400);
    // The code works once.
    let again = anonymous
        .call("reset_password", &[("email", "reset_me@example.com"), ("code", &code), ("password", "another long passphrase here")])
        .await;
    assert_eq!(again.status, 400);
}

async fn reset_answers_the_same_for_unknown_emails(app: TestApp) {
    let _ = signed_up(&app, "known").await;
    let mut browser = Browser::new(&app.base);
    let known = browser.call("request_password_reset", &[("email", "known@example.com")]).await;
    let unknown = browser.call("request_password_reset", &[("email", "unknown@example.com")]).await;
    assert_eq!((known.status, known.body.as_str()), (unknown.status, unknown.body.as_str()));
    // Asking again at once is throttled silently, still the same answer.
    let again = browser.call("request_password_reset", &[("email", "known@example.com")]).await;
    assert_eq!((again.status, again.body.as_str()), (unknown.status, unknown.body.as_str()));
    let mails: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dev_outbox WHERE subject LIKE 'Your password reset code%'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(mails, 1);
}

async fn changing_the_password_ends_other_sessions(app: TestApp) {
    let mut here = signed_up(&app, "changer").await;
    let mut there = Browser::new(&app.base);
    assert!(there.call("sign_in", &[("login", "changer"), ("password", PASSWORD)]).await.status < 400);
    let wrong = here.call("change_password", &[("current_password", "not it at all, sorry"), ("new_password", NEW_PASSWORD)]).await;
    assert_eq!(wrong.status, 400);
    assert!(!there.viewer().await.is_null(), "nothing changed");
    let answer = here.call("change_password", &[("current_password", PASSWORD), ("new_password", NEW_PASSWORD)]).await;
    assert!(answer.status < 400, "{}", answer.body);
    assert!(!here.viewer().await.is_null(), "this device stays");
    assert!(there.viewer().await.is_null(), "the other device is out");
    // An address never verified may be someone else's: it hears nothing.
    let notices: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dev_outbox WHERE subject = 'Your password was changed'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(notices, 0);
}

async fn the_owner_hears_of_password_changes_and_of_keys_that_outlive_them(app: TestApp) {
    let (mut browser, _) = common::customers::verified_customer(&app, "keyholder", 0).await;
    let key = browser.call("create_api_key", &[("name", "shop bot"), ("callback_url", ""), ("password", PASSWORD)]).await;
    assert_eq!(key.status, 200, "{}", key.body);
    // A key spends the wallet whatever the password: the owner hears of it.
    let made: String = sqlx::query_scalar("SELECT body FROM dev_outbox WHERE subject = 'A new API key for your US Num Hub account'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(made.contains("named \"shop bot\" (it begins usnh_") && made.contains("IP address 127.0.0.1"), "{made}");
    let changed = browser.call("change_password", &[("current_password", PASSWORD), ("new_password", NEW_PASSWORD)]).await;
    assert!(changed.status < 400, "{}", changed.body);

    let mut anonymous = Browser::new(&app.base);
    assert!(anonymous.call("request_password_reset", &[("email", "keyholder@example.com")]).await.status < 400);
    let code = app.last_mailed_code("keyholder@example.com").await;
    let reset = anonymous
        .call("reset_password", &[("email", "keyholder@example.com"), ("code", &code), ("password", "another long passphrase here")])
        .await;
    assert!(reset.status < 400, "{}", reset.body);

    let notices: Vec<(String, String)> = sqlx::query_as(
        "SELECT subject, body FROM dev_outbox WHERE to_addr = 'keyholder@example.com' AND subject LIKE 'Your password was%' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let subjects: Vec<&str> = notices.iter().map(|(subject, _)| subject.as_str()).collect();
    assert_eq!(subjects, ["Your password was changed", "Your password was reset"], "{notices:?}");
    for (_, body) in &notices {
        assert!(body.contains("account keyholder") && body.contains("IP address 127.0.0.1"), "{body}");
        assert!(body.contains("The account's API key still works") && body.contains("revoke it on your Account page"), "{body}");
    }
}

/// Every form that asks a signed-in user for the password again shares one
/// allowance per account: a stolen session is no password oracle.
async fn a_signed_in_session_cannot_guess_the_password_without_limit(app: TestApp) {
    let mut thief = signed_up(&app, "guessed").await;
    let guesses: [(&str, &[(&str, &str)]); 5] = [
        ("begin_two_step", &[("password", "guess number one, wrong")]),
        ("change_password", &[("current_password", "guess number two, wrong"), ("new_password", NEW_PASSWORD)]),
        ("request_email_change", &[("new_email", "elsewhere@example.com"), ("password", "guess number three, wrong")]),
        ("delete_account", &[("password", "guess number four, wrong"), ("confirm", "yes")]),
        ("renew_recovery_codes", &[("password", "guess number five, wrong")]),
    ];
    for (name, form) in guesses.iter().cycle().take(10) {
        let answer = thief.call(name, form).await;
        assert_eq!(answer.status, 400, "{name}: {}", answer.body);
        assert!(answer.body.contains("Your password is not right."), "{name}: {}", answer.body);
    }
    // The eleventh try waits, right or wrong.
    let limited = thief.call("change_password", &[("current_password", PASSWORD), ("new_password", NEW_PASSWORD)]).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.headers.contains_key("retry-after"));
    let mut owner = Browser::new(&app.base);
    assert!(owner.call("sign_in", &[("login", "guessed"), ("password", PASSWORD)]).await.status < 400, "the password did not change");
}

async fn rapid_failed_sign_ins_from_one_ip_get_429(app: TestApp) {
    let mut browser = Browser::new(&app.base);
    let mut limited = None;
    for i in 0..30 {
        let answer = browser.call("sign_in", &[("login", &format!("nobody{i}@example.com")), ("password", "wrong password here")]).await;
        if answer.status == 429 {
            limited = Some(answer);
            break;
        }
        assert_eq!(answer.status, 400);
    }
    let answer = limited.expect("rate limited within 30 attempts");
    let retry: u64 = answer.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let error: app::error::AppError = serde_json::from_str(&answer.body).unwrap();
    assert!(error.to_string().starts_with("Too many attempts. Try again in"), "{error}");
}

async fn repeated_failures_of_one_account_slow_it_down(app: TestApp) {
    let _ = signed_up(&app, "target").await;
    let mut attacker = Browser::new(&app.base);
    for _ in 0..5 {
        assert_eq!(attacker.call("sign_in", &[("login", "target"), ("password", "wrong password here")]).await.status, 400);
    }
    // After five failures the account waits, even with the right password.
    let answer = attacker.call("sign_in", &[("login", "target"), ("password", PASSWORD)]).await;
    assert_eq!(answer.status, 429, "{}", answer.body);
    assert_eq!(app::services::accounts::failed_sign_in_delay_ms(5), 1000);
    assert_eq!(app::services::accounts::failed_sign_in_delay_ms(40), 15 * 60_000);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert!(attacker.call("sign_in", &[("login", "target"), ("password", PASSWORD)]).await.status < 400);
}

async fn customers_get_403_from_every_admin_function(app: TestApp) {
    let admin_paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .filter(|p| p.starts_with("/api/admin/"))
        .collect();
    assert!(admin_paths.len() >= 2, "admin functions found: {admin_paths:?}");
    let mut customer = signed_up(&app, "just_a_customer").await;
    let public_id = customer.viewer().await["public_id"].as_str().unwrap().to_string();
    let mut anonymous = Browser::new(&app.base);
    // Every argument any admin function takes, with valid values, so that
    // only the role check can refuse.
    let args = [
        ("public_id", public_id.as_str()),
        ("role", "admin"),
        ("query", public_id.as_str()),
        ("amount", "5"),
        ("note", "test"),
        ("reason", "test reason"),
        ("idempotency_key", "0123456789abcdef0123"),
        ("slug", "google"),
        ("name", "Google"),
        ("price", "0.01"),
        ("lease_minutes", "5"),
        ("color", "#4285f4"),
        ("direction", "up"),
        ("number", "+13125550177"),
        ("device_id", "pixel"),
        ("sim", "1"),
        ("enabled", "true"),
        ("sms_id", "1"),
        ("attempt_id", "1"),
        ("lease_id", "1"),
        ("first_line", "1"),
        ("lines", "+13125550176"),
        ("disabled", "true"),
        ("ticket_id", "1"),
        ("message", "hello"),
        ("status", "open"),
        ("key_id", "1"),
        ("text", "Maintenance tonight"),
        ("level", "warning"),
        ("hours", "2"),
        ("request_id", "1"),
        ("title", "Saved"),
        ("discount", "10"),
        ("body", "A saved reply"),
        ("id", "1"),
        ("search", "pixel"),
        ("expected", "1"),
    ];
    for path in &admin_paths {
        let name = path.trim_start_matches("/api/");
        let as_customer = customer.call(name, &args).await;
        assert_eq!(as_customer.status, 403, "{path}: {}", as_customer.body);
        let as_anonymous = anonymous.call(name, &args).await;
        assert_eq!(as_anonymous.status, 401, "{path}");
    }
    assert_eq!(customer.viewer().await["role"], "customer");
    let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(entries, 0, "no admin function did anything");
    let google: i64 = sqlx::query_scalar("SELECT price_cents FROM platforms WHERE slug = 'google'").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(google, 100, "prices unchanged");
    let platforms: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM platforms").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(platforms, 16, "no platform added");
    let first: String = sqlx::query_scalar("SELECT slug FROM platforms ORDER BY sort_order LIMIT 1").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(first, "whatsapp", "no platform moved");
    let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admin_audit").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(audited, 0, "no admin action happened");
    let announced: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM announcements").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(announced, 0, "nothing announced");
    let discounted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE discount_percent <> 0").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(discounted, 0, "no discount given");
}

async fn admins_grant_and_revoke_the_admin_role(app: TestApp) {
    let mut boss = admin(&app).await;
    let mut helper = signed_up(&app, "helper").await;
    let public_id = helper.viewer().await["public_id"].as_str().unwrap().to_string();
    let answer = boss.call("admin/set_role", &[("public_id", &public_id), ("role", "admin")]).await;
    assert!(answer.status < 400, "{}", answer.body);
    // The role change ends the helper's sessions; signing in again gives admin.
    assert!(helper.viewer().await.is_null());
    assert!(helper.call("sign_in", &[("login", "helper"), ("password", PASSWORD)]).await.status < 400);
    assert_eq!(helper.viewer().await["role"], "admin");
    assert_eq!(helper.call("admin/security_log", &[]).await.status, 200);

    let unknown = boss.call("admin/set_role", &[("public_id", "UN-ZZZZZZ"), ("role", "admin")]).await;
    assert_eq!(unknown.status, 400);
    let own_id = boss.viewer().await["public_id"].as_str().unwrap().to_string();
    let own = boss.call("admin/set_role", &[("public_id", &own_id), ("role", "customer")]).await;
    assert_eq!(own.status, 400);
    let bad = boss.call("admin/set_role", &[("public_id", &public_id), ("role", "superuser")]).await;
    assert_eq!(bad.status, 400);

    assert!(boss.call("admin/set_role", &[("public_id", &public_id), ("role", "customer")]).await.status < 400);
    let log = boss.call("admin/security_log", &[]).await.json();
    let role_changes = log["events"].as_array().unwrap().iter().filter(|e| e["what"] == "Role changed").count();
    assert_eq!(role_changes, 2);
}

/// Support staff answer customers: the support desk's functions let them
/// in, every other admin function refuses them, and nothing of money,
/// prices, numbers or roles changes.
async fn support_staff_use_the_support_desk_only(app: TestApp) {
    const SUPPORT_DESK: [&str; 18] = [
        "admin/support_tickets", "admin/support_unread", "admin/support_mail", "admin/set_support_mail", "admin/support_thread",
        "admin/support_reply", "admin/support_close", "admin/saved_replies", "admin/add_saved_reply", "admin/edit_saved_reply",
        "admin/delete_saved_reply", "admin/users", "admin/user", "admin/revoke_api_key", "admin/staff_notes", "admin/ticket_notes",
        "admin/add_staff_note", "admin/delete_staff_note",
    ];
    let mut boss = admin(&app).await;
    let mut customer = signed_up(&app, "needs_help").await;
    let customer_id = customer.viewer().await["public_id"].as_str().unwrap().to_string();
    let mut agent = signed_up(&app, "agent").await;
    let agent_id = agent.viewer().await["public_id"].as_str().unwrap().to_string();
    let answer = boss.call("admin/set_role", &[("public_id", &agent_id), ("role", "support")]).await;
    assert!(answer.status < 400, "{}", answer.body);
    assert!(agent.viewer().await.is_null(), "the role change ended the agent's sessions");
    assert!(agent.call("sign_in", &[("login", "agent"), ("password", PASSWORD)]).await.status < 400);
    assert_eq!(agent.viewer().await["role"], "support");

    let found = agent.call("admin/users", &[("query", "needs_help")]).await;
    assert_eq!((found.status, found.json()["users"][0]["public_id"].as_str()), (200, Some(customer_id.as_str())), "{}", found.body);
    let record = agent.call("admin/user", &[("public_id", &customer_id)]).await;
    assert_eq!(record.status, 200, "{}", record.body);
    let ticket = customer.call("support/open", &[("subject", "No code"), ("message", "Telegram sent nothing"), ("lease_id", "")]).await;
    assert!(ticket.status < 400, "{}", ticket.body);
    let ticket_id = ticket.json().as_i64().unwrap().to_string();
    let replied = agent.call("admin/support_reply", &[("ticket_id", &ticket_id), ("message", "Try again in a minute.")]).await;
    assert!(replied.status < 400, "{}", replied.body);
    let thread = customer.call("support/thread", &[("ticket_id", &ticket_id)]).await.body;
    assert!(thread.contains("Try again in a minute."), "{thread}");

    let args = [
        ("public_id", customer_id.as_str()), ("role", "admin"), ("query", "x"), ("amount", "5"), ("reason", "goodwill"),
        ("idempotency_key", "0123456789abcdef0123"), ("slug", "google"), ("name", "Google"), ("price", "0.01"), ("lease_minutes", "5"),
        ("color", "#4285f4"), ("direction", "up"), ("number", "+13125550177"), ("enabled", "true"), ("disabled", "true"),
        ("text", "Maintenance"), ("level", "warning"), ("hours", "2"), ("lines", "+13125550176"), ("first_line", "1"), ("search", "x"),
        ("expected", "1"), ("sms_id", "1"), ("attempt_id", "1"), ("lease_id", "1"), ("request_id", "1"), ("id", "1"), ("key_id", "1"),
        ("ticket_id", ticket_id.as_str()), ("message", "hello"), ("status", "open"), ("title", "t"), ("body", "b"), ("note", "x"),
        ("device_id", "pixel"), ("sim", "1"), ("discount", "10"),
    ];
    let admin_paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_string())
        .filter(|p| p.starts_with("admin/"))
        .collect();
    for name in admin_paths.iter().filter(|p| !SUPPORT_DESK.contains(&p.as_str())) {
        assert_eq!(agent.call(name, &args).await.status, 403, "{name}");
    }
    assert_eq!(agent.get(&format!("/admin/ledger.csv?user={customer_id}")).await.status, 403);
    // The console opens on the inbox; the header's link leads there.
    let inbox = agent.get("/admin/support").await;
    assert!(inbox.body.contains(r#"href="/admin/support""#) && !inbox.body.contains(r#"href="/admin/wallets""#), "{}", inbox.body);

    let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(entries, 0, "no money moved");
    let google: i64 = sqlx::query_scalar("SELECT price_cents FROM platforms WHERE slug = 'google'").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(google, 100, "prices unchanged");
    let roles: Vec<(String, i64)> = sqlx::query_as("SELECT role, discount_percent FROM users ORDER BY id").fetch_all(&app.db.pool).await.unwrap();
    assert_eq!(roles, [("admin".into(), 0), ("customer".into(), 0), ("support".into(), 0)], "no role or discount changed");
    let announced: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM announcements").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(announced, 0);
}

mod retention {
    use super::*;

    async fn old_security_records_are_purged(app: TestApp) {
        let _ = signed_up(&app, "old_timer").await;
        let day = 24 * 3_600_000i64;
        sqlx::query("UPDATE security_events SET created_at = created_at - $1").bind(91 * day).execute(&app.db.pool).await.unwrap();
        let svc = app.services();
        let mut browser = Browser::new(&app.base);
        assert!(browser.call("sign_in", &[("login", "old_timer"), ("password", PASSWORD)]).await.status < 400);
        let purged = server::workers::purge_expired_records(&svc, 90).await.unwrap();
        assert!(purged >= 1);
        let left: Vec<String> = sqlx::query_scalar("SELECT kind FROM security_events").fetch_all(&app.db.pool).await.unwrap();
        assert_eq!(left, ["sign_in"], "only the recent entry stays");
    }

    backend_tests!(old_security_records_are_purged);
}

/// Several server instances on one database share one allowance.
mod shared_limits {
    use super::*;
    use app::services::{clock::ManualClock, rate_limit::RateLimitSettings};
    use common::Backend;

    async fn attempt(browser: &mut Browser, i: usize) -> common::browser::Answer {
        let login = format!("nobody{i}@example.com");
        browser.call("sign_in", &[("login", login.as_str()), ("password", "wrong password here")]).await
    }

    async fn instances_on_one_database_share_their_rate_limits(backend: Backend) {
        // Instances of one deployment share the key (sessions need it too)
        // and, here, a clock, so the minute does not turn mid-test.
        let key = "ab".repeat(32);
        let clock = ManualClock::new();
        let Some(database) = common::TestDatabase::create(backend).await else { return };
        let second_database = database.second_handle();
        let start = |database: common::TestDatabase| {
            let mut config = common::test_config(&database);
            config.secret_key = Some(key.clone());
            let clock = clock.clone();
            common::start_customised(config, database, move |svc| svc.clock = clock)
        };
        let (first, second) = (start(database).await, start(second_database).await);
        let mut browsers = [Browser::new(&first.base), Browser::new(&second.base)];
        let per_ip = RateLimitSettings::default().sign_in.per_ip as usize;
        for i in 0..per_ip {
            // Each instance sees half of them, under its own limit.
            assert_eq!(attempt(&mut browsers[i % 2], i).await.status, 400, "attempt {i}");
        }
        let answer = attempt(&mut browsers[0], per_ip).await;
        assert_eq!(answer.status, 429, "together over the limit: {}", answer.body);
        // The next window starts afresh; ended ones are purged.
        clock.advance_millis(60_000);
        assert_eq!(attempt(&mut browsers[1], per_ip).await.status, 400);
        let svc = first.services();
        assert_eq!(app::services::rate_limit::purge_ended_windows(&svc).await.unwrap(), 0, "recent windows are kept");
        clock.advance_millis(11 * 60_000);
        assert!(app::services::rate_limit::purge_ended_windows(&svc).await.unwrap() >= 1);
    }

    per_backend_tests!(instances_on_one_database_share_their_rate_limits);
}
