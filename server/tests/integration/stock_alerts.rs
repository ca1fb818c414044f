//! "Email me" (when there are numbers): a customer who finds a platform with no
//! number to be had is mailed, once, when it has numbers again.
use app::services::stock_alerts;

use crate::common::{self, smtp_sink::SmtpSink, Backend};

per_backend_tests!(a_customer_is_mailed_once_when_a_platform_has_numbers_again);

/// With the demo range off and no number of ours, Get Number offers
/// nothing. A verified customer asks to hear of WhatsApp (twice: one wish,
/// one refusal counted for the operators), takes it back and asks again;
/// an unverified one is refused.
/// A number an admin adds to the pool brings one mail at once (not at
/// the worker's next look), through the SMTP server, and the wish is gone.
async fn a_customer_is_mailed_once_when_a_platform_has_numbers_again(backend: Backend) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let Some(app) = common::spawn_app_with(backend, |c| {
        c.smtp_url = Some(url);
        c.demo_mode = Some(false);
    })
    .await
    else {
        return;
    };
    let mut customer = common::signed_up(&app, "waiter").await;
    let verification = sink.wait_for("waiter@example.com").await;
    let code = common::extract_code(verification.data.split("\n\n").nth(1).unwrap_or(&verification.data));
    assert!(customer.call("verify_email", &[("code", &code)]).await.status < 400);

    let overview = customer.call("my_leases", &[]).await.json();
    assert!(overview["platforms"].as_array().unwrap().iter().all(|p| p["available"] == false), "{overview}");
    let page = customer.get("/get-number").await.body.replace("<!>", "");
    assert!(page.contains(r#"data-testid="platform-notify-whatsapp""#), "{page}");

    let mut unverified = common::signed_up(&app, "unverified_waiter").await;
    let refused = unverified.call("notify_when_available", &[("platform", "whatsapp"), ("wanted", "true")]).await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("Verify your email"), "{}", refused.body);
    assert_eq!(customer.call("notify_when_available", &[("platform", "nope"), ("wanted", "true")]).await.status, 400);
    for _ in 0..2 {
        let asked = customer.call("notify_when_available", &[("platform", "whatsapp"), ("wanted", "true")]).await;
        assert_eq!(asked.status, 200, "{}", asked.body);
    }
    let count = |sql: &'static str| async { sqlx::query_scalar::<_, i64>(sql).fetch_one(&app.db.pool).await.unwrap() };
    assert_eq!(count("SELECT COUNT(*) FROM stock_waits").await, 1, "asking again changes nothing");
    assert_eq!(count("SELECT COUNT(*) FROM lease_refusals").await, 1, "the operators count the customer turned away once");
    assert_eq!(customer.call("my_leases", &[]).await.json()["awaited"], serde_json::json!(["whatsapp"]));
    let page = customer.get("/get-number").await.body.replace("<!>", "");
    assert!(page.contains("We will email you when there are.") && !page.contains(r#"data-testid="platform-notify-whatsapp""#), "{page}");
    assert!(page.contains(r#"data-testid="platform-unnotify-whatsapp""#), "{page}");
    // Taken back (twice: no error), then asked for again.
    for _ in 0..2 {
        let withdrawn = customer.call("notify_when_available", &[("platform", "whatsapp"), ("wanted", "false")]).await;
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    }
    assert_eq!(customer.call("my_leases", &[]).await.json()["awaited"], serde_json::json!([]));
    assert_eq!(count("SELECT COUNT(*) FROM stock_waits").await, 0);
    assert_eq!(customer.call("notify_when_available", &[("platform", "whatsapp"), ("wanted", "true")]).await.status, 200);

    // An admin adds a number: the worker, which otherwise looks every
    // 30 s, is woken and mails at once.
    let mut admin = common::signed_in_admin(&app, "stocker").await;
    let added = admin.call("admin/add_number", &[("number", "(312) 555-0145"), ("device_id", ""), ("sim", "")]).await;
    assert_eq!(added.status, 200, "{}", added.body);
    crate::eventually!("the mail arrives", sink.received("waiter@example.com") == 2);
    let mail = sink.mails_to("waiter@example.com").pop().unwrap().text();
    assert!(mail.contains("WhatsApp numbers are available on") && mail.contains("had numbers for WhatsApp again"), "{mail}");
    assert_eq!(count("SELECT COUNT(*) FROM stock_waits").await, 0, "the wish is gone");
    assert_eq!(stock_alerts::notify(&app.services()).await.unwrap(), 0);
    assert_eq!(sink.received("unverified_waiter@example.com"), 1, "only the verification code");

    let now_available = customer.call("notify_when_available", &[("platform", "whatsapp"), ("wanted", "true")]).await;
    assert_eq!(now_available.status, 400);
    assert!(now_available.body.contains("has numbers now"), "{}", now_available.body);
}
