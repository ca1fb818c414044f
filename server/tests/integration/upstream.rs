//! Upstream supply against a scripted SMS-Activate-compatible server on
//! loopback: the whole lease journey, early-cancel denial, falling through
//! on NO_NUMBERS, faults and the circuit breaker, and a restart.
use std::time::Duration;

use crate::common::{
    self,
    customers::{balance, confirm, refunds_of, verified_customer},
    fake_upstream::FakeUpstream,
    Backend, TestApp,
};

async fn app_with(backend: Backend, upstreams: &[(&FakeUpstream, &str)], tune: impl Fn(&mut app::services::upstream::client::UpstreamSettings)) -> Option<TestApp> {
    let settings: Vec<_> = upstreams
        .iter()
        .map(|(fake, name)| {
            let mut s = fake.settings(name);
            tune(&mut s);
            s
        })
        .collect();
    common::spawn_app_with(backend, move |c| {
        c.demo_mode = Some(false);
        c.upstreams = settings;
    })
    .await
}

async fn state_of(app: &TestApp, lease_id: i64) -> String {
    sqlx::query_scalar("SELECT state FROM leases WHERE id = $1").bind(lease_id).fetch_one(&app.db.pool).await.unwrap()
}

async fn activation_status(app: &TestApp, lease_id: i64) -> String {
    sqlx::query_scalar("SELECT status FROM upstream_activations WHERE lease_id = $1").bind(lease_id).fetch_one(&app.db.pool).await.unwrap()
}

/// Purchases still marked in flight: none once each has its answer.
async fn attempts_in_flight(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM upstream_purchase_attempts").fetch_one(&app.db.pool).await.unwrap()
}

async fn whole_journey(backend: Backend) {
    let fake = FakeUpstream::start().await;
    let Some(app) = app_with(backend, &[(&fake, "daisy")], |_| {}).await else { return };
    app::services::upstream::refresh_balances(&app.services()).await; // learns prices
    let (mut browser, user) = verified_customer(&app, "up_user", 500).await;
    let lease = confirm(&mut browser, "telegram", 120, "upstream-journey").await;
    assert_eq!(lease.status, 200, "{}", lease.body);
    let lease = lease.json();
    let id = lease["id"].as_i64().unwrap();
    assert_eq!(lease["number"], "+13125550101");
    assert_eq!(balance(&app, user).await, 380);
    let buy = &fake.calls("getNumber")[0];
    assert_eq!((buy["service"].as_str(), buy["country"].as_str(), buy["maxPrice"].as_str()), ("tg", "187", "1.00"));
    let cost: i64 = sqlx::query_scalar("SELECT cost_cents FROM upstream_activations WHERE lease_id = $1").bind(id).fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(cost, 45, "the upstream's price is stored with the lease");

    // The poller asks; the code arrives; the customer sees it.
    eventually!("a status poll", !fake.calls("getStatus").is_empty());
    assert_eq!(state_of(&app, id).await, "active");
    fake.script(|s| s.status = "STATUS_OK:482910".into());
    eventually!("the code", state_of(&app, id).await == "code_received");
    let open = browser.call("my_leases", &[]).await.json();
    assert_eq!(open["open"]["code"], "482910");
    // …and asks the upstream to wait for a further SMS.
    eventually!("setStatus 3", fake.calls("setStatus").iter().any(|c| c["status"] == "3"));
    fake.script(|s| s.status = "STATUS_OK:771204".into());
    eventually!("the second code", browser.call("my_leases", &[]).await.json()["open"]["messages"].as_array().map(|m| m.len()) == Some(2));

    // Done: forwarded upstream as complete; no refund ever.
    assert!(browser.call("lease_action", &[("lease_id", &id.to_string()), ("action", "complete")]).await.status < 400);
    eventually!("setStatus 6", fake.calls("setStatus").iter().any(|c| c["status"] == "6"));
    eventually!("closed", activation_status(&app, id).await == "completed");
    assert_eq!(refunds_of(&app, id).await, 0);
    assert_eq!(balance(&app, user).await, 380);

    // Admins see the upstream.
    let mut admin = common::signed_in_admin(&app, "up_admin").await;
    let view = admin.call("admin/upstreams", &[]).await.json();
    assert_eq!(view[0]["name"], "daisy");
    assert_eq!(view[0]["balance"], 2500);
    assert_eq!(view[0]["breaker"], "closed");
    assert_eq!(view[0]["margin"], 120 - 45);
    assert_eq!(browser.call("admin/upstreams", &[]).await.status, 403);
}

async fn early_cancel_is_denied_then_refunded_once(backend: Backend) {
    let fake = FakeUpstream::start().await;
    let Some(app) = app_with(backend, &[(&fake, "daisy")], |_| {}).await else { return };
    let (mut browser, user) = verified_customer(&app, "early_user", 500).await;
    let id = confirm(&mut browser, "whatsapp", 150, "upstream-early").await.json()["id"].as_i64().unwrap();
    fake.script(|s| {
        s.set_status.insert("8".into(), "EARLY_CANCEL_DENIED".into());
    });
    let denied = browser.call("lease_action", &[("lease_id", &id.to_string()), ("action", "cancel")]).await;
    assert_eq!(denied.status, 400);
    assert!(denied.body.contains("try again in"), "{}", denied.body);
    assert_eq!(state_of(&app, id).await, "active", "nothing changed");
    assert_eq!(refunds_of(&app, id).await, 0);
    assert_eq!(balance(&app, user).await, 350);

    fake.script(|s| s.set_status.clear());
    let cancelled = browser.call("lease_action", &[("lease_id", &id.to_string()), ("action", "cancel")]).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(activation_status(&app, id).await, "cancelled");
    assert_eq!(balance(&app, user).await, 500);
    let again = browser.call("lease_action", &[("lease_id", &id.to_string()), ("action", "cancel")]).await;
    assert_eq!(again.status, 400);
    tokio::time::sleep(Duration::from_millis(1500)).await; // the poller finds nothing to redo
    assert_eq!(refunds_of(&app, id).await, 1, "one refund, ever");
    assert_eq!(fake.calls("setStatus").iter().filter(|c| c["status"] == "8").count(), 2, "denied once, then accepted once");
}

async fn no_numbers_falls_through_to_the_next_upstream(backend: Backend) {
    let (first, second) = (FakeUpstream::start().await, FakeUpstream::start().await);
    let Some(app) = app_with(backend, &[(&first, "first"), (&second, "second")], |_| {}).await else { return };
    let (mut browser, user) = verified_customer(&app, "fall_user", 500).await;
    first.script(|s| s.number = Some("NO_NUMBERS".into()));
    let lease = confirm(&mut browser, "google", 100, "upstream-fall-1").await;
    assert_eq!(lease.status, 200, "{}", lease.body);
    let id = lease.json()["id"].as_i64().unwrap();
    let from: String = sqlx::query_scalar("SELECT upstream FROM upstream_activations WHERE lease_id = $1").bind(id).fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(from, "second");
    assert_eq!(first.calls("getNumber").len(), 1);
    browser.call("lease_action", &[("lease_id", &id.to_string()), ("action", "cancel")]).await;

    // Nobody has one: a clear message, nothing charged.
    second.script(|s| s.number = Some("NO_NUMBERS".into()));
    let before = balance(&app, user).await;
    let none = confirm(&mut browser, "google", 100, "upstream-fall-2").await;
    assert_eq!(none.status, 400);
    assert!(none.body.contains("No number is available"), "{}", none.body);
    assert_eq!(balance(&app, user).await, before);
    // A refused key reads as a supplier problem; the key is never shown.
    first.script(|s| s.number = Some("BAD_KEY".into()));
    second.script(|s| s.number = Some("NO_BALANCE".into()));
    let broken = confirm(&mut browser, "google", 100, "upstream-fall-3").await;
    assert_eq!(broken.status, 400);
    assert!(broken.body.contains("supplier") && !broken.body.contains(common::fake_upstream::KEY), "{}", broken.body);
    assert_eq!(attempts_in_flight(&app).await, 0, "sales and refusals alike end their attempt");
}

async fn faults_time_out_and_open_the_breaker(backend: Backend) {
    let (slow, good) = (FakeUpstream::start().await, FakeUpstream::start().await);
    let Some(app) = app_with(backend, &[(&slow, "slow"), (&good, "good")], |s| {
        s.timeout_ms = 300;
        s.breaker_threshold = 2;
        s.breaker_pause_secs = 60;
    })
    .await
    else {
        return;
    };
    let (mut browser, _) = verified_customer(&app, "fault_user", 2000).await;
    slow.script(|s| s.delay = Duration::from_secs(3));
    let started = std::time::Instant::now();
    let lease = confirm(&mut browser, "google", 100, "upstream-fault-1").await;
    assert_eq!(lease.status, 200, "{}", lease.body);
    assert!(started.elapsed() < Duration::from_secs(2), "the timeout bounds the wait: {:?}", started.elapsed());
    let id = lease.json()["id"].as_i64().unwrap();
    browser.call("lease_action", &[("lease_id", &id.to_string()), ("action", "cancel")]).await;

    slow.script(|s| {
        s.delay = Duration::ZERO;
        s.http_500 = true;
    });
    let lease = confirm(&mut browser, "google", 100, "upstream-fault-2").await;
    assert_eq!(lease.status, 200, "{}", lease.body);
    let id = lease.json()["id"].as_i64().unwrap();
    browser.call("lease_action", &[("lease_id", &id.to_string()), ("action", "cancel")]).await;

    // Two faults in a row: the slow upstream is left alone.
    let calls_before = slow.calls("getNumber").len();
    slow.script(|s| s.http_500 = false);
    let lease = confirm(&mut browser, "google", 100, "upstream-fault-3").await;
    assert_eq!(lease.status, 200, "{}", lease.body);
    assert_eq!(slow.calls("getNumber").len(), calls_before, "the open breaker kept us away");
    let id = lease.json()["id"].as_i64().unwrap();
    browser.call("lease_action", &[("lease_id", &id.to_string()), ("action", "cancel")]).await;
    let mut admin = common::signed_in_admin(&app, "fault_admin").await;
    let view = admin.call("admin/upstreams", &[]).await.json();
    assert_eq!(view[0]["breaker"], "open");
    assert!(view[0]["last_error"].as_str().unwrap_or("").contains("HTTP 500"), "{view}");
    assert!(view[0]["error_rate_percent"].as_u64().unwrap() > 0);
    assert_eq!(view[1]["breaker"], "closed");

    // Garbage is a fault too, never a crash.
    good.script(|s| s.number = Some("<html>oops</html>".into()));
    let garbage = confirm(&mut browser, "google", 100, "upstream-fault-4").await;
    assert_eq!(garbage.status, 400, "{}", garbage.body);
    assert!(garbage.body.contains("supplier"), "{}", garbage.body);
    let view = admin.call("admin/upstreams", &[]).await.json();
    assert!(view[1]["last_error"].as_str().unwrap_or("").contains("unexpected answer"), "{view}");
    // Whether those sold a number nobody can tell: the timeout and the
    // HTTP 500 of "slow", the garbage of "good" stay marked, and once
    // older than any purchase can take, the operator is told.
    assert_eq!(attempts_in_flight(&app).await, 3);
    let told = |view: &serde_json::Value, i: usize| view[i]["interrupted_purchases"].as_array().map(Vec::len);
    eventually!(
        "the operator is told of the purchases without a readable answer",
        {
            let view = admin.call("admin/upstreams", &[]).await.json();
            told(&view, 0) == Some(2) && told(&view, 1) == Some(1)
        },
        within = Duration::from_secs(25)
    );
    // The operator checked the supplier's account for one: it goes, once,
    // and the audit log says who did it.
    let view = admin.call("admin/upstreams", &[]).await.json();
    let first = view[0]["interrupted_purchases"][0]["id"].as_i64().unwrap().to_string();
    let badge_before = common::supply_attention(&mut admin).await;
    assert!(badge_before >= 3, "the admin menu's badge counts the three: {badge_before}");
    assert_eq!(browser.call("admin/purchase_checked", &[("attempt_id", &first)]).await.status, 403);
    assert!(admin.call("admin/purchase_checked", &[("attempt_id", &first)]).await.status < 400);
    assert_eq!(common::supply_attention(&mut admin).await, badge_before - 1);
    let again = admin.call("admin/purchase_checked", &[("attempt_id", &first)]).await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert!(again.body.contains("already checked"), "{}", again.body);
    assert_eq!(told(&admin.call("admin/upstreams", &[]).await.json(), 0), Some(1));
    let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admin_audit WHERE action = 'upstream.purchase_checked'").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(audited, 1);
}

async fn a_restart_during_an_upstream_lease_loses_nothing(backend: Backend) {
    let fake = FakeUpstream::start().await;
    let Some(app) = app_with(backend, &[(&fake, "daisy")], |_| {}).await else { return };
    let (mut browser, _) = verified_customer(&app, "restart_user", 500).await;
    let id = confirm(&mut browser, "telegram", 120, "upstream-restart").await.json()["id"].as_i64().unwrap();
    let db = app.stop().await;
    // The code comes while we are down.
    fake.script(|s| s.status = "STATUS_OK:305577".into());
    let mut config = common::test_config(&db);
    config.demo_mode = Some(false);
    config.upstreams = vec![fake.settings("daisy")];
    let app = common::start(config, db).await;
    eventually!("the code after the restart", state_of(&app, id).await == "code_received");
    let code: String = sqlx::query_scalar("SELECT code FROM sms_messages WHERE lease_id = $1").bind(id).fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(code, "305577");
}

async fn expired_and_orphaned_purchases_are_cancelled_upstream(backend: Backend) {
    let fake = FakeUpstream::start().await;
    let Some(app) = app_with(backend, &[(&fake, "daisy")], |_| {}).await else { return };
    let (mut browser, user) = verified_customer(&app, "expiry_user", 500).await;
    let id = confirm(&mut browser, "telegram", 120, "upstream-expiry").await.json()["id"].as_i64().unwrap();
    sqlx::query("UPDATE leases SET expires_at = 1 WHERE id = $1").bind(id).execute(&app.db.pool).await.unwrap();
    eventually!("expiry", state_of(&app, id).await == "expired");
    eventually!("cancelled upstream", activation_status(&app, id).await == "cancelled");
    assert_eq!(refunds_of(&app, id).await, 1);
    assert_eq!(balance(&app, user).await, 500);

    // A purchase no lease took (the server fell over between buying and
    // writing the lease) is cancelled once it has settled.
    let old = app.services().now() - 120_000;
    sqlx::query(
        "INSERT INTO upstream_activations (upstream, activation_id, e164, cost_cents, status, created_at, next_poll_at) \
         VALUES ('daisy', 'orphan-1', '+13125550199', 45, 'open', $1, $1)",
    )
    .bind(old)
    .execute(&app.db.pool)
    .await
    .unwrap();
    eventually!("orphan cancelled", fake.calls("setStatus").iter().any(|c| c["id"] == "orphan-1" && c["status"] == "8"));
}

/// A purchase the database refuses to record is given back at once:
/// nothing else would ever end it, and the upstream would charge for it.
async fn a_purchase_that_cannot_be_recorded_is_cancelled_upstream(backend: Backend) {
    let fake = FakeUpstream::start().await;
    let Some(app) = app_with(backend, &[(&fake, "daisy")], |_| {}).await else { return };
    let (mut browser, user) = verified_customer(&app, "unrecorded", 500).await;
    let refuse_writes = match backend {
        Backend::Sqlite => vec![
            "CREATE TRIGGER refuse BEFORE INSERT ON upstream_activations BEGIN SELECT RAISE(ABORT, 'disk full'); END",
        ],
        Backend::Postgres => vec![
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse BEFORE INSERT ON upstream_activations FOR EACH ROW EXECUTE FUNCTION refuse()",
        ],
    };
    for statement in refuse_writes {
        sqlx::query(statement).execute(&app.db.pool).await.unwrap();
    }
    let answer = confirm(&mut browser, "telegram", 120, "upstream-unrecorded").await;
    assert_eq!(answer.status, 500, "our fault, not the supplier's: {}", answer.body);
    let bought = fake.calls("getNumber").len();
    assert_eq!(bought, 1);
    let cancelled = fake.calls("setStatus");
    assert!(cancelled.iter().any(|c| c["id"] == "9001" && c["status"] == "8"), "{cancelled:?}");
    assert_eq!(balance(&app, user).await, 500, "nothing charged");
    assert_eq!(attempts_in_flight(&app).await, 0, "given back: nothing for the operator to chase");
}

/// A customer who gives up while the supplier is still answering (a
/// closed tab drops the request) leaves no purchase we do not know of:
/// the purchase is recorded all the same, and then settled as an orphan.
async fn a_purchase_outlives_the_request_that_asked_for_it(backend: Backend) {
    let fake = FakeUpstream::start().await;
    let Some(app) = app_with(backend, &[(&fake, "daisy")], |_| {}).await else { return };
    let (mut browser, user) = verified_customer(&app, "gave_up", 500).await;
    fake.script(|s| s.delay = Duration::from_millis(800));
    let gave_up = tokio::time::timeout(Duration::from_millis(200), confirm(&mut browser, "telegram", 120, "upstream-gave-up")).await;
    assert!(gave_up.is_err(), "the request was still waiting for the supplier");
    eventually!("the purchase recorded", {
        let recorded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM upstream_activations WHERE lease_id IS NULL").fetch_one(&app.db.pool).await.unwrap();
        recorded == 1
    });
    assert_eq!(fake.calls("getNumber").len(), 1);
    assert_eq!(balance(&app, user).await, 500, "no lease, nothing charged");
}

/// A customer who gives up while the supplier takes the number back (a
/// closed tab drops the request) is refunded all the same: the cancel runs
/// to its end. Dropped halfway, the number was released upstream and the
/// fee came back only when the lease expired.
async fn a_cancel_outlives_the_request_that_asked_for_it(backend: Backend) {
    let fake = FakeUpstream::start().await;
    let Some(app) = app_with(backend, &[(&fake, "daisy")], |_| {}).await else { return };
    let (mut browser, user) = verified_customer(&app, "cancel_gave_up", 500).await;
    let id = confirm(&mut browser, "telegram", 120, "upstream-cancel-gave-up").await.json()["id"].as_i64().unwrap();
    assert_eq!(balance(&app, user).await, 380);
    fake.script(|s| s.delay = Duration::from_millis(800));
    let lease = id.to_string();
    let gave_up = tokio::time::timeout(Duration::from_millis(200), browser.call("lease_action", &[("lease_id", &lease), ("action", "cancel")])).await;
    assert!(gave_up.is_err(), "the request was still waiting for the supplier");
    eventually!("the lease cancelled", state_of(&app, id).await == "cancelled");
    assert_eq!(activation_status(&app, id).await, "cancelled");
    assert_eq!(balance(&app, user).await, 500, "refunded");
    assert_eq!(refunds_of(&app, id).await, 1);
}

per_backend_tests!(
    whole_journey,
    a_cancel_outlives_the_request_that_asked_for_it,
    a_purchase_that_cannot_be_recorded_is_cancelled_upstream,
    a_purchase_outlives_the_request_that_asked_for_it,
    early_cancel_is_denied_then_refunded_once,
    no_numbers_falls_through_to_the_next_upstream,
    faults_time_out_and_open_the_breaker,
    a_restart_during_an_upstream_lease_loses_nothing,
    expired_and_orphaned_purchases_are_cancelled_upstream,
    a_low_supplier_balance_is_mailed_to_the_admins_once,
    platforms_show_whether_a_number_can_be_had,
    a_supplier_number_goes_before_one_the_platform_seems_to_refuse,
);

/// Admins hear of a supplier's low balance by mail once per drop, however
/// often (or by however many instances) the balance is checked.
async fn a_low_supplier_balance_is_mailed_to_the_admins_once(backend: Backend) {
    let fake = FakeUpstream::start().await;
    let Some(app) = app_with(backend, &[(&fake, "daisy")], |s| s.low_balance_cents = 1_000).await else { return };
    let mut admin = common::signed_in_admin(&app, "ops_admin").await;
    let (_, _) = verified_customer(&app, "not_staff", 0).await;
    let alerts = || async {
        sqlx::query_as::<_, (String, String, String)>("SELECT to_addr, subject, body FROM dev_outbox WHERE subject LIKE 'Supplier %' ORDER BY id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap()
    };
    let svc = app.services();
    app::services::upstream::refresh_balances(&svc).await;
    assert!(alerts().await.is_empty(), "$25.00 is above the $10.00 alert level");

    fake.script(|s| s.balance = "ACCESS_BALANCE:4.50".into());
    // Two instances noticing at once mail once.
    tokio::join!(app::services::upstream::refresh_balances(&svc), app::services::upstream::refresh_balances(&svc));
    app::services::upstream::refresh_balances(&svc).await;
    let mailed = alerts().await;
    assert_eq!(mailed.len(), 1, "{mailed:?}");
    assert_eq!((mailed[0].0.as_str(), mailed[0].1.as_str()), ("ops_admin@example.com", "Supplier daisy: balance low ($4.50)"));
    assert!(mailed[0].2.contains("below its alert level of $10.00"), "{}", mailed[0].2);
    assert_eq!(common::supply_attention(&mut admin).await, 1, "the admin menu's badge counts it");

    // Topped up, then low again: a new episode, a new mail.
    fake.script(|s| s.balance = "ACCESS_BALANCE:40.00".into());
    app::services::upstream::refresh_balances(&svc).await;
    assert_eq!(common::supply_attention(&mut admin).await, 0);
    fake.script(|s| s.balance = "ACCESS_BALANCE:2.00".into());
    app::services::upstream::refresh_balances(&svc).await;
    let mailed = alerts().await;
    assert_eq!(mailed.iter().map(|m| m.1.as_str()).collect::<Vec<_>>(), ["Supplier daisy: balance low ($4.50)", "Supplier daisy: balance low ($2.00)"]);
}

/// Get Number offers a platform while a number can be had, as far as the
/// server knows: what the upstream's price list has numbers for, and every
/// platform a number of our pool did not get a code for.
async fn platforms_show_whether_a_number_can_be_had(backend: Backend) {
    let fake = FakeUpstream::start().await;
    fake.script(|s| s.prices = r#"{"187":{"tg":{"cost":0.45,"count":12},"wa":{"cost":0.9,"count":0}}}"#.into());
    let Some(app) = app_with(backend, &[(&fake, "alpha")], |_| {}).await else { return };
    let mut visitor = common::browser::Browser::new(&app.base);
    let mut available = async |slug: &str| -> bool {
        let platforms = visitor.call("platforms", &[]).await.json();
        platforms.as_array().unwrap().iter().find(|p| p["slug"] == slug).unwrap()["available"].as_bool().unwrap()
    };
    app::services::upstream::refresh_balances(&app.services()).await;
    crate::eventually!("the price list heard", !available("whatsapp").await);
    assert!(available("telegram").await, "12 numbers upstream");
    assert!(!available("google").await, "left out of the upstream's price list");
    let (mut customer, _) = verified_customer(&app, "stock_taker", 1000).await;
    let mut admin = common::signed_in_admin(&app, "stock_keeper").await;
    let stock = admin.call("admin/stock", &[]).await.json();
    let row = |stock: &serde_json::Value, name: &str| stock.as_array().unwrap().iter().find(|r| r["platform"] == name).unwrap().clone();
    assert_eq!(row(&stock, "WhatsApp"), serde_json::json!({"platform": "WhatsApp", "ours": 0, "upstream": 0, "available": false}));
    assert_eq!(row(&stock, "Telegram"), serde_json::json!({"platform": "Telegram", "ours": 0, "upstream": 12, "available": true}));
    let supply = admin.get("/admin/supply").await.body.replace("<!>", "");
    assert!(supply.contains("Customers cannot choose WhatsApp, Google"), "{supply}");
    let page = customer.get("/get-number").await.body.replace("<!>", "");
    assert!(page.contains(r#"<div data-testid="platform-whatsapp""#) && page.contains("None available right now"), "{page}");
    assert!(page.contains(r#"<button data-testid="platform-telegram""#), "{page}");

    // The admin's number is offered at once, not when the cache runs out.
    let added = admin.call("admin/add_number", &[("number", "+13125550144"), ("device_id", ""), ("sim", "")]).await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert!(available("whatsapp").await, "the pool number offered");
    assert_eq!(row(&admin.call("admin/stock", &[]).await.json(), "WhatsApp")["ours"], 1, "read now, not cached");
    assert!(available("google").await);
    // The pool's number gets a WhatsApp code: WhatsApp has none left.
    let lease = confirm(&mut customer, "whatsapp", 150, "stock-key-1").await;
    assert_eq!(lease.status, 200, "{}", lease.body);
    assert_eq!(lease.json()["number"], "+13125550144", "the pool comes first");
    let number_id: i64 = sqlx::query_scalar("SELECT id FROM numbers WHERE e164 = '+13125550144'").fetch_one(&app.db.pool).await.unwrap();
    let sms = app::services::leases::NewSms { number_id: Some(number_id), recipient: "", sender: "WhatsApp", body: "code 246810", code: Some("246810"), source: "test", source_message_id: "stock-1" };
    app::services::leases::record_sms(&app.services(), sms).await.unwrap();
    let id = lease.json()["id"].as_i64().unwrap().to_string();
    assert!(customer.call("lease_action", &[("lease_id", &id), ("action", "complete")]).await.status < 400);
    crate::eventually!("WhatsApp gone again", !available("whatsapp").await);
    assert!(available("google").await, "the number still serves Google");
}

/// A pool number whose last three Telegram leases got no code is not
/// given for Telegram while a supplier has a number: that one is bought.
/// Other platforms still get it first.
async fn a_supplier_number_goes_before_one_the_platform_seems_to_refuse(backend: Backend) {
    let fake = FakeUpstream::start().await;
    let Some(app) = app_with(backend, &[(&fake, "daisy")], |_| {}).await else { return };
    app::services::upstream::refresh_balances(&app.services()).await;
    let (mut customer, user) = verified_customer(&app, "refused_pool", 500).await;
    let number_id: i64 = sqlx::query_scalar("INSERT INTO numbers (e164, source, enabled, created_at) VALUES ('+13125550145', 'pool', 1, 0) RETURNING id")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let telegram: i64 = sqlx::query_scalar("SELECT id FROM platforms WHERE slug = 'telegram'").fetch_one(&app.db.pool).await.unwrap();
    // Written before the server first reads them (at the first confirmation).
    let hour_ago = app.services().now() - 3_600_000;
    for n in 0..3 {
        sqlx::query(
            "INSERT INTO leases (user_id, platform_id, number_id, e164, price_cents, state, created_at, expires_at, ended_at, idempotency_key) \
             VALUES ($1, $2, $3, '+13125550145', 120, 'cancelled', $4, $5, $4, $6)",
        )
        .bind(user)
        .bind(telegram)
        .bind(number_id)
        .bind(hour_ago + n)
        .bind(hour_ago + 1_200_000)
        .bind(format!("refused-seed-{n}"))
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let lease = confirm(&mut customer, "telegram", 120, "refused-upstream-1").await;
    assert_eq!(lease.status, 200, "{}", lease.body);
    assert_eq!(lease.json()["number"], "+13125550101", "the supplier's number");
    assert_eq!(fake.calls("getNumber").len(), 1);
    let (mut other, _) = verified_customer(&app, "google_user", 500).await;
    let lease = confirm(&mut other, "google", 100, "refused-upstream-2").await;
    assert_eq!(lease.status, 200, "{}", lease.body);
    assert_eq!(lease.json()["number"], "+13125550145", "the pool first for Google");
    assert_eq!(fake.calls("getNumber").len(), 1, "nothing bought for Google");
}
