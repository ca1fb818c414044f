//! Mail goes out over a real SMTP exchange when SMTP is configured.
use crate::common;

use common::{browser::Browser, smtp_sink::SmtpSink, Backend};

per_backend_tests!(
    verification_code_arrives_over_smtp,
    codes_wait_out_an_smtp_outage,
    balance_changes_are_mailed_once,
    the_development_outbox_is_for_this_machine_only,
    mails_and_authenticator_apps_name_the_operators_brand,
    support_messages_are_mailed_once_per_round,
    simultaneous_replies_are_mailed_once,
    deleting_an_account_drops_mail_quoting_it
);

async fn say(browser: &mut Browser, endpoint: &str, ticket_id: &str, message: &str) {
    let answer = browser.call(endpoint, &[("ticket_id", ticket_id), ("message", message)]).await;
    assert!(answer.status < 400, "{message}: {}", answer.body);
}

/// A customer's message reaches the admins' mailboxes and support's
/// answer the customer's, with a link to the thread; further messages
/// are mailed only once the reader has looked at the thread.
async fn support_messages_are_mailed_once_per_round(backend: Backend) {
    let Some(app) = common::spawn_app_with(backend, |config| config.public_url = Some("http://otp.acme.example/".into())).await else { return };
    let mut admin = common::signed_in_admin(&app, "mailed_admin").await;
    let (mut customer, _) = common::customers::verified_customer(&app, "mailed_customer", 0).await;
    let public_id = customer.viewer().await["public_id"].as_str().unwrap().to_string();
    // Support staff are mailed as admins are.
    let (mut agent, _) = common::customers::verified_customer(&app, "mailed_agent", 0).await;
    let agent_id = agent.viewer().await["public_id"].as_str().unwrap().to_string();
    assert!(admin.call("admin/set_role", &[("public_id", &agent_id), ("role", "support")]).await.status < 400);
    let mails_to = |to: &'static str| {
        let pool = app.db.pool.clone();
        async move {
            let mails: Vec<(String, String)> = sqlx::query_as("SELECT subject, body FROM dev_outbox WHERE to_addr = $1 AND subject LIKE 'Support%' ORDER BY id")
                .bind(to)
                .fetch_all(&pool)
                .await
                .unwrap();
            mails
        }
    };
    let opened = customer.call("support/open", &[("subject", "No code arrived"), ("message", "My WhatsApp code never came.")]).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    let id = opened.body.trim().to_string();
    say(&mut customer, "support/reply", &id, "Still nothing after ten minutes.").await;
    let to_admin = mails_to("mailed_admin@example.com").await;
    assert_eq!(to_admin.len(), 1, "one mail until staff read the thread: {to_admin:?}");
    assert_eq!(to_admin[0].0, format!("Support: No code arrived ({public_id})"));
    assert!(to_admin[0].1.contains("mailed_customer") && to_admin[0].1.contains("My WhatsApp code never came."), "{}", to_admin[0].1);
    assert!(to_admin[0].1.contains(&format!("http://otp.acme.example/admin/support/{id}")), "{}", to_admin[0].1);
    assert_eq!(mails_to("mailed_agent@example.com").await, to_admin);

    say(&mut admin, "admin/support_reply", &id, "Refunded, sorry!").await;
    say(&mut admin, "admin/support_reply", &id, "Try another number.").await;
    let to_customer = mails_to("mailed_customer@example.com").await;
    assert_eq!(to_customer.len(), 1, "{to_customer:?}");
    assert_eq!(to_customer[0].0, "Support answered: No code arrived");
    assert!(to_customer[0].1.contains("Refunded, sorry!"), "{}", to_customer[0].1);
    assert!(to_customer[0].1.contains(&format!("http://otp.acme.example/support/{id}")), "{}", to_customer[0].1);

    // Replying reads the thread: the customer's next message is news again.
    say(&mut customer, "support/reply", &id, "It worked, thanks.").await;
    say(&mut customer, "support/reply", &id, "One more question.").await;
    assert_eq!(mails_to("mailed_admin@example.com").await.len(), 2, "the second waits until staff read the thread");
    assert!(admin.call("admin/support_thread", &[("ticket_id", &id)]).await.status < 400);
    say(&mut customer, "support/reply", &id, "Last thing.").await;
    let to_admin = mails_to("mailed_admin@example.com").await;
    assert_eq!(to_admin.len(), 3, "{to_admin:?}");
    assert!(to_admin[1].1.contains("replied") && to_admin[1].1.contains("It worked, thanks."), "{}", to_admin[1].1);
    assert!(to_admin[2].1.contains("Last thing."), "{}", to_admin[2].1);
    // An admin who does not answer tickets turns these mails off.
    assert_eq!(admin.call("admin/support_mail", &[]).await.body.trim(), "true");
    assert_eq!(admin.call("admin/set_support_mail", &[("enabled", "maybe")]).await.status, 400);
    assert_eq!(admin.call("admin/set_support_mail", &[("enabled", "off")]).await.body.trim(), "false");
    assert_eq!(admin.call("admin/support_mail", &[]).await.body.trim(), "false");
    let opened = customer.call("support/open", &[("subject", "Another question"), ("message", "Not mailed to staff.")]).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert_eq!(mails_to("mailed_admin@example.com").await.len(), 3, "turned off");
    assert_eq!(customer.call("admin/set_support_mail", &[("enabled", "on")]).await.status, 403);
    say(&mut admin, "admin/support_reply", &id, "Ask away.").await;
    let to_customer = mails_to("mailed_customer@example.com").await;
    assert_eq!(to_customer.len(), 2, "{to_customer:?}");
    assert!(to_customer[1].1.contains("Ask away."), "{}", to_customer[1].1);
}

/// Two admins answering the same ticket at the same moment: the customer
/// gets one mail per round, not one per reply (on PostgreSQL the second
/// reply waits for the first's commit, on SQLite writers queue).
async fn simultaneous_replies_are_mailed_once(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else { return };
    let mut first = common::signed_in_admin(&app, "first_admin").await;
    let mut second = common::signed_in_admin(&app, "second_admin").await;
    let (mut customer, _) = common::customers::verified_customer(&app, "raced_customer", 0).await;
    let opened = customer.call("support/open", &[("subject", "Raced"), ("message", "Anyone there?")]).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    let id = opened.body.trim().to_string();
    const ROUNDS: usize = 8;
    for round in 0..ROUNDS {
        let (one, two) = (format!("Round {round}, first."), format!("Round {round}, second."));
        tokio::join!(say(&mut first, "admin/support_reply", &id, &one), say(&mut second, "admin/support_reply", &id, &two));
        assert!(customer.call("support/thread", &[("ticket_id", &id)]).await.status < 400);
    }
    let mailed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dev_outbox WHERE to_addr = 'raced_customer@example.com' AND subject LIKE 'Support%'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(mailed, ROUNDS as i64, "one mail per round");
}

/// A customer's support message waiting for the mail server on its way
/// to the admins is not sent once the customer deleted the account: it
/// quotes them, as the erased thread did.
async fn deleting_an_account_drops_mail_quoting_it(backend: Backend) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let Some(app) = common::spawn_app_with(backend, |config| config.smtp_url = Some(url)).await else { return };
    common::signed_in_admin(&app, "quoted_admin").await;
    let mut customer = common::signed_up(&app, "quoting").await;
    let mail = sink.wait_for("quoting@example.com").await;
    let code = common::extract_code(mail.data.split("\n\n").nth(1).unwrap_or(&mail.data));
    assert!(customer.call("verify_email", &[("code", &code)]).await.status < 400);
    sink.set_down(true);
    let opened = customer.call("support/open", &[("subject", "Before I go"), ("message", "My private story.")]).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    let quoting = || async {
        sqlx::query_scalar::<_, String>("SELECT to_addr FROM mail_outbox WHERE body LIKE '%My private story.%'").fetch_all(&app.db.pool).await.unwrap()
    };
    assert_eq!(quoting().await, ["quoted_admin@example.com"], "queued while the mail server is down");
    let deleted = customer.call("delete_account", &[("password", common::PASSWORD), ("confirm", "yes")]).await;
    assert!(deleted.status < 400, "{}", deleted.body);
    assert!(quoting().await.is_empty(), "dropped with the account");
}

/// An operator's own brand (`USNH_BRAND_NAME`) is what mails and
/// authenticator apps call the service, as the pages do.
async fn mails_and_authenticator_apps_name_the_operators_brand(backend: Backend) {
    let Some(app) = common::spawn_app_with(backend, |config| config.brand_name = "Acme Numbers".into()).await else { return };
    let (mut browser, _) = common::customers::verified_customer(&app, "branded", 0).await;
    let setup = browser.call("begin_two_step", &[("password", common::PASSWORD)]).await;
    assert_eq!(setup.status, 200, "{}", setup.body);
    assert!(setup.json()["uri"].as_str().unwrap().contains("issuer=Acme%20Numbers"), "{}", setup.body);
    let reset = Browser::new(&app.base).call("request_password_reset", &[("email", "branded@example.com")]).await;
    assert!(reset.status < 400, "{}", reset.body);
    let mails: Vec<(String, String)> = sqlx::query_as("SELECT subject, body FROM dev_outbox WHERE to_addr = 'branded@example.com' ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(mails[0].1.contains("Your Acme Numbers verification code is"), "{mails:?}");
    assert!(mails[1].1.contains("Your Acme Numbers password reset code is"), "{mails:?}");
    assert!(!mails.iter().any(|(s, b)| s.contains("US Num Hub") || b.contains("US Num Hub")), "{mails:?}");
}

/// Without SMTP, mail lands in the development outbox, which holds
/// everyone's codes: a browser on this machine reads it, a client that a
/// trusted proxy forwards from elsewhere gets a 404.
async fn the_development_outbox_is_for_this_machine_only(backend: Backend) {
    let Some(app) = common::spawn_app_with(backend, |config| config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await else { return };
    common::signed_up(&app, "outboxed").await;
    let local = reqwest::get(app.url("/dev/outbox")).await.unwrap();
    assert_eq!(local.status(), 200);
    assert!(local.text().await.unwrap().contains("outboxed@example.com"));
    let remote = reqwest::Client::new().get(app.url("/dev/outbox")).header("x-forwarded-for", "203.0.113.9").send().await.unwrap();
    assert_eq!(remote.status(), 404);
}

async fn verification_code_arrives_over_smtp(backend: Backend) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let Some(app) = common::spawn_app_with(backend, |config| {
        config.smtp_url = Some(url);
        // No USNH_MAIL_FROM: the sender follows the brand and the site.
        config.brand_name = "Acme Numbers".into();
        config.public_url = Some("http://otp.acme.example".into());
    })
    .await
    else {
        return;
    };
    let mut browser = Browser::new(&app.base);
    let answer = browser
        .call("sign_up", &[("email", "smtp@example.com"), ("username", "smtp_user"), ("password", "purple tiger eats nine plums"), ("adult_and_terms", "yes")])
        .await;
    assert!(answer.status < 400, "{}", answer.body);
    let mail = sink.wait_for("smtp@example.com").await;
    assert!(mail.from.contains("no-reply@otp.acme.example"), "{}", mail.from);
    assert!(mail.data.contains("From: \"Acme Numbers\" <no-reply@otp.acme.example>"), "{}", mail.data);
    assert!(mail.data.contains("Subject: Your verification code"), "{}", mail.data);
    assert!(mail.data.contains("Message-ID: <mail-") && mail.data.contains("@otp.acme.example>"), "{}", mail.data);
    let code = common::extract_code(mail.data.split("\n\n").nth(1).unwrap_or(&mail.data));
    assert!(browser.call("verify_email", &[("code", &code)]).await.status < 400);
    assert_eq!(browser.viewer().await["email_verified"], true);
    // Nothing went to the development outbox, and its page is gone.
    let outbox: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dev_outbox").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(outbox, 0);
    assert_eq!(browser.get("/dev/outbox").await.status, 404);
}

/// The SMTP server is down when codes are asked for: the requests still
/// succeed, the codes wait in the outbox (a newer code replacing the
/// older one's mail), and go out once the server is back. A code whose
/// time ran out while waiting is dropped, not sent late.
async fn codes_wait_out_an_smtp_outage(backend: Backend) {
    use app::services::{clock::ManualClock, Services};
    use common::TestDatabase;
    let sink = SmtpSink::start().await;
    sink.set_down(true);
    let Some(database) = TestDatabase::create(backend).await else { return };
    let mut config = common::test_config(&database);
    config.smtp_url = Some(sink.url());
    let clock = ManualClock::new();
    let services: std::sync::Arc<std::sync::Mutex<Option<Services>>> = Default::default();
    let app = common::start_customised(config, database, {
        let (clock, services) = (clock.clone(), services.clone());
        move |svc| {
            svc.clock = clock;
            let mut auth = (*svc.auth).clone();
            auth.code_resend_interval_ms = 0;
            svc.auth = std::sync::Arc::new(auth);
            *services.lock().unwrap() = Some(svc.clone());
        }
    })
    .await;
    let svc = services.lock().unwrap().take().expect("services captured");
    let queued = || async { sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM mail_outbox").fetch_one(&app.db.pool).await.unwrap() };
    // Attempts that finished and failed: `attempts` counts up when a mail
    // is claimed, before its connection is made, so a test that flipped
    // the sink on at that moment would let the attempt through.
    let tried = || async {
        sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(attempts), 0) FROM mail_outbox WHERE last_error IS NOT NULL")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };

    let mut browser = Browser::new(&app.base);
    let to = "outage@example.com";
    let answer = browser
        .call("sign_up", &[("email", to), ("username", "outage_user"), ("password", "purple tiger eats nine plums"), ("adult_and_terms", "yes")])
        .await;
    assert!(answer.status < 400, "{}", answer.body);
    // The sending task tried at once and was refused.
    let refused_once = || async {
        eventually!("a refused attempt", tried().await >= 1, within = std::time::Duration::from_secs(5));
        assert_eq!(tried().await, 1, "one attempt while the server is down");
    };
    refused_once().await;
    assert_eq!(sink.received(to), 0);
    // Asking again answers at once too; the first code's mail is replaced.
    let again = browser.call("resend_verification", &[]).await;
    assert!(again.status < 400, "{}", again.body);
    assert_eq!(queued().await, 1, "the newer code replaced the older one's mail");
    // The new mail is tried at once too; let that refusal finish first, or
    // it could end after the clock moved below and push its retry past it.
    refused_once().await;

    // The server is back: the next round (due after the backoff) sends it.
    sink.set_down(false);
    clock.advance_millis(5_000);
    svc.mailer.wake();
    let mail = sink.wait_for(to).await;
    assert_eq!(sink.received(to), 1, "only the newest code went out");
    let code = common::extract_code(mail.data.split("\n\n").nth(1).unwrap_or(&mail.data));
    let verified = browser.call("verify_email", &[("code", &code)]).await;
    assert!(verified.status < 400, "the code that arrived late works: {}", verified.body);
    assert_eq!(queued().await, 0, "a sent mail leaves the outbox");

    // Down again, and the code expires before the server is back.
    sink.set_down(true);
    let reset = browser.call("request_password_reset", &[("email", to)]).await;
    assert!(reset.status < 400, "{}", reset.body);
    assert_eq!(queued().await, 1);
    refused_once().await;
    sink.set_down(false);
    clock.advance_millis(svc.auth.code_ttl_ms + 1);
    svc.mailer.wake();
    eventually!("the expired mail left the outbox", queued().await == 0, within = std::time::Duration::from_secs(5));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.received(to), 1, "no expired code was sent");
}

/// An admin's top-up and correction each reach the customer by mail, with
/// the amount and the new balance; a retried top-up mails nothing more.
async fn balance_changes_are_mailed_once(backend: Backend) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let Some(app) = common::spawn_app_with(backend, |config| config.smtp_url = Some(url)).await else { return };
    let to = "payer@example.com";
    let mut customer = common::signed_up(&app, "payer").await;
    let public_id = customer.viewer().await["public_id"].as_str().unwrap().to_string();
    let mut admin = common::signed_in_admin(&app, "cashier").await;
    let offer = admin.call("admin/prepare_top_up", &[("query", &public_id), ("amount", "12.50"), ("note", "WhatsApp transfer 4411")]).await.json();
    let key = offer["idempotency_key"].as_str().unwrap().to_string();
    let form = [("public_id", public_id.as_str()), ("amount", "12.50"), ("note", "WhatsApp transfer 4411"), ("idempotency_key", key.as_str())];
    for _ in 0..2 {
        let answer = admin.call("admin/top_up", &form).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let adjusted = admin
        .call("admin/adjust", &[("public_id", &public_id), ("amount", "-0.50"), ("reason", "fee charged twice"), ("idempotency_key", "mail-adjust-000001")])
        .await;
    assert_eq!(adjusted.status, 200, "{}", adjusted.body);

    // The sign-up code, the top-up and the correction; once the outbox is
    // empty nothing more can come.
    let outbox = || async { sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM mail_outbox").fetch_one(&app.db.pool).await.unwrap() };
    eventually!("three mails sent", sink.received(to) >= 3 && outbox().await == 0);
    let mails = sink.mails_to(to);
    assert_eq!(mails.len(), 3, "the retried top-up mailed nothing more");
    let top_up = mails[1].text();
    assert!(top_up.contains("Subject: $12.50 added to your US Num Hub wallet"), "{top_up}");
    assert!(top_up.contains("Your balance is now $12.50.") && top_up.contains("WhatsApp transfer 4411"), "{top_up}");
    let correction = mails[2].text();
    assert!(correction.contains("Subject: Your US Num Hub balance was corrected"), "{correction}");
    assert!(correction.contains("by -$0.50") && correction.contains("now $12.00") && correction.contains("fee charged twice"), "{correction}");
}

