//! Leases: confirm, cancel, switch, complete, expiry and their races, on
//! SQLite and PostgreSQL. Refunds happen at most once, never after a code.
use app::domain::LeaseEvent;
use app::services::{leases, ledger};

use crate::common::{
    self,
    customers::{balance, confirm, refunds_of, verified_customer},
    Backend, TestApp,
};

backend_tests!(
    confirm_then_cancel_refunds_the_fee,
    double_clicked_confirm_makes_one_lease_and_one_debit,
    bad_confirmations_charge_nothing_and_reveal_nothing,
    cancel_against_expiry_refunds_once,
    code_against_cancel_never_refunds_after_a_code,
    switch_and_done,
);

async fn confirm_then_cancel_refunds_the_fee(app: TestApp) {
    let (mut browser, user) = verified_customer(&app, "renter", 500).await;
    let platforms = browser.call("platforms", &[]).await.json();
    let telegram = platforms.as_array().unwrap().iter().find(|p| p["slug"] == "telegram").unwrap().clone();
    assert_eq!(telegram["price"], 120);
    assert_eq!(telegram["lease_minutes"], 20);
    let lease = confirm(&mut browser, "telegram", 120, "key-00001").await;
    assert_eq!(lease.status, 200, "{}", lease.body);
    let lease = lease.json();
    assert_eq!(lease["state"], "active");
    assert!(lease["number"].as_str().unwrap().starts_with("+1202555"));
    assert_eq!(balance(&app, user).await, 380);

    let id = lease["id"].as_i64().unwrap().to_string();
    let cancelled = browser.call("lease_action", &[("lease_id", &id), ("action", "cancel")]).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.json()["state"], "cancelled");
    assert_eq!(balance(&app, user).await, 500);
    // Cancelling twice changes nothing.
    assert_eq!(browser.call("lease_action", &[("lease_id", &id), ("action", "cancel")]).await.status, 400);
    assert_eq!(balance(&app, user).await, 500);
    let history = browser.call("my_ledger", &[]).await.json();
    let descriptions: Vec<&str> = history["entries"].as_array().unwrap().iter().map(|e| e["description"].as_str().unwrap()).collect();
    assert!(descriptions[0].starts_with("Refund — Telegram +1 (202) 555-01"), "{descriptions:?}");
    assert!(descriptions[0].ends_with(", cancelled before a code arrived"), "{descriptions:?}");
    assert!(descriptions[1].starts_with("Number — Telegram +1 (202) 555-01"), "{descriptions:?}");
    assert!(ledger::verify(&app.db).await.unwrap().problems.is_empty());
}

async fn double_clicked_confirm_makes_one_lease_and_one_debit(app: TestApp) {
    let (browser, user) = verified_customer(&app, "clicker", 1000).await;
    let mut calls = Vec::new();
    for _ in 0..5 {
        let mut b = browser.clone();
        calls.push(tokio::spawn(async move { confirm(&mut b, "google", 100, "same-click-key").await }));
    }
    let mut ids = Vec::new();
    for c in calls {
        let answer = c.await.unwrap();
        assert_eq!(answer.status, 200, "{}", answer.body);
        ids.push(answer.json()["id"].as_i64().unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one lease");
    assert_eq!(balance(&app, user).await, 900, "one debit");
    // A second, different confirmation is refused while one is open.
    let mut b = browser.clone();
    let second = confirm(&mut b, "google", 100, "another-key").await;
    assert_eq!(second.status, 400);
    assert_eq!(balance(&app, user).await, 900);
}

async fn bad_confirmations_charge_nothing_and_reveal_nothing(app: TestApp) {
    let (mut poor, poor_id) = verified_customer(&app, "poor", 50).await;
    let low = confirm(&mut poor, "whatsapp", 150, "key-low-01").await;
    assert_eq!(low.status, 400);
    assert!(low.body.contains("balance is too low"), "{}", low.body);
    for (platform, price) in [("nope", 100), ("whatsapp", 1), ("whatsapp", -150)] {
        assert_eq!(confirm(&mut poor, platform, price, "key-bad-01").await.status, 400, "{platform} {price}");
    }
    sqlx::query("UPDATE platforms SET enabled = 0 WHERE slug = 'x'").execute(&app.db.pool).await.unwrap();
    assert_eq!(confirm(&mut poor, "x", 90, "key-bad-02").await.status, 400);
    assert_eq!(balance(&app, poor_id).await, 50);

    let mut unverified = common::signed_up(&app, "unverified").await;
    let answer = confirm(&mut unverified, "google", 100, "key-unv-01").await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("Verify your email"), "{}", answer.body);

    let (mut owner, _) = verified_customer(&app, "owner", 500).await;
    let lease = confirm(&mut owner, "google", 100, "key-own-01").await.json();
    let id = lease["id"].as_i64().unwrap().to_string();
    let stranger = poor.call("lease_action", &[("lease_id", &id), ("action", "cancel")]).await;
    assert_eq!(stranger.status, 404, "another user's lease looks like none");
    let missing = poor.call("lease_action", &[("lease_id", "999999"), ("action", "cancel")]).await;
    assert_eq!((missing.status, missing.body.as_str()), (stranger.status, stranger.body.as_str()));
    assert_eq!(owner.call("my_leases", &[]).await.json()["open"]["state"], "active");

    // No number left: a clear message, nothing charged.
    sqlx::query("UPDATE numbers SET enabled = 0").execute(&app.db.pool).await.unwrap();
    let (mut late, late_id) = verified_customer(&app, "late", 500).await;
    let none = confirm(&mut late, "google", 100, "key-none-1").await;
    assert_eq!(none.status, 400);
    assert!(none.body.contains("No number is available"), "{}", none.body);
    assert_eq!(balance(&app, late_id).await, 500);
}

async fn cancel_against_expiry_refunds_once(backend: TestApp) {
    let app = backend;
    let (mut browser, user) = verified_customer(&app, "racer", 1200).await;
    for round in 0..6 {
        let lease = confirm(&mut browser, "google", 100, &format!("race-key-{round}")).await.json();
        let id = lease["id"].as_i64().unwrap();
        // Make it overdue, then cancel and expire at the same moment.
        sqlx::query("UPDATE leases SET expires_at = 0 WHERE id = $1").bind(id).execute(&app.db.pool).await.unwrap();
        let svc = app.services();
        let (a, b) = tokio::join!(
            leases::apply(&svc, id, Some(user), LeaseEvent::Cancel),
            leases::expire_overdue(&svc),
        );
        let _ = (a, b);
        assert_eq!(refunds_of(&app, id).await, 1, "round {round}");
    }
    assert_eq!(balance(&app, user).await, 1200);
    assert!(ledger::verify(&app.db).await.unwrap().problems.is_empty());
}

async fn code_against_cancel_never_refunds_after_a_code(app: TestApp) {
    let (mut browser, user) = verified_customer(&app, "coder", 1000).await;
    for round in 0..6 {
        let lease = confirm(&mut browser, "google", 100, &format!("code-key-{round}")).await.json();
        let id = lease["id"].as_i64().unwrap();
        let number_id: i64 = sqlx::query_scalar("SELECT number_id FROM leases WHERE id = $1").bind(id).fetch_one(&app.db.pool).await.unwrap();
        let svc = app.services();
        let msg_id = format!("race-{round}");
        let (cancel, code) = tokio::join!(
            leases::apply(&svc, id, Some(user), LeaseEvent::Cancel),
            leases::record_sms(&svc, test_sms(number_id, "Google", "G-123456 is your code", "123456", &msg_id)),
        );
        code.unwrap();
        let state: String = sqlx::query_scalar("SELECT state FROM leases WHERE id = $1").bind(id).fetch_one(&app.db.pool).await.unwrap();
        let code_at: Option<i64> = sqlx::query_scalar("SELECT code_at FROM leases WHERE id = $1").bind(id).fetch_one(&app.db.pool).await.unwrap();
        match cancel {
            // The cancel came first: refunded, and the SMS is kept unmatched.
            Ok(_) => {
                assert_eq!(state, "cancelled");
                assert!(code_at.is_none());
                assert_eq!(refunds_of(&app, id).await, 1);
            }
            // The code came first: it wins, no refund.
            Err(_) => {
                assert_eq!(state, "code_received");
                assert_eq!(refunds_of(&app, id).await, 0);
                assert!(browser.call("lease_action", &[("lease_id", &id.to_string()), ("action", "complete")]).await.status < 400);
            }
        }
    }
    assert!(ledger::verify(&app.db).await.unwrap().problems.is_empty());
}

async fn switch_and_done(app: TestApp) {
    let (mut browser, user) = verified_customer(&app, "switcher", 1000).await;
    let first = confirm(&mut browser, "whatsapp", 150, "switch-key-1").await.json();
    let id = first["id"].as_i64().unwrap().to_string();
    let switched = browser.call("lease_action", &[("lease_id", &id), ("action", "switch")]).await;
    assert_eq!(switched.json()["state"], "switched");
    assert_eq!(balance(&app, user).await, 1000, "switch before a code refunds");
    let second = confirm(&mut browser, "telegram", 120, "switch-key-2").await.json();
    assert_eq!(second["state"], "active");
    let id = second["id"].as_i64().unwrap();
    // "Done" needs a code first.
    assert_eq!(browser.call("lease_action", &[("lease_id", &id.to_string()), ("action", "complete")]).await.status, 400);
    let number_id: i64 = sqlx::query_scalar("SELECT number_id FROM leases WHERE id = $1").bind(id).fetch_one(&app.db.pool).await.unwrap();
    leases::record_sms(&app.services(), test_sms(number_id, "Telegram", "Telegram code: 55555", "55555", "m-1")).await.unwrap();
    // A redelivery stores nothing new.
    leases::record_sms(&app.services(), test_sms(number_id, "Telegram", "Telegram code: 55555", "55555", "m-1")).await.unwrap();
    let open = browser.call("my_leases", &[]).await.json();
    assert_eq!(open["open"]["code"], "55555");
    assert_eq!(open["open"]["messages"].as_array().unwrap().len(), 1);
    assert_eq!(browser.call("lease_action", &[("lease_id", &id.to_string()), ("action", "cancel")]).await.status, 400, "no refund after a code");
    let done = browser.call("lease_action", &[("lease_id", &id.to_string()), ("action", "complete")]).await;
    assert_eq!(done.json()["state"], "completed");
    assert_eq!(balance(&app, user).await, 880);
    let _ = Backend::Sqlite;
}

mod restart {
    use super::*;

    /// Leases that fell due while the server was down are ended at start,
    /// each refunded once, however often the server restarts.
    async fn overdue_leases_are_refunded_once_after_a_restart(app: TestApp) {
        let (mut browser, user) = verified_customer(&app, "sleeper", 300).await;
        let lease = confirm(&mut browser, "google", 100, "restart-key-1").await.json();
        let id = lease["id"].as_i64().unwrap();
        assert_eq!(balance(&app, user).await, 200);
        let db = app.stop().await;
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        sqlx::query("UPDATE leases SET expires_at = 1 WHERE id = $1").bind(id).execute(&pool).await.unwrap();
        pool.close().await;
        let config = common::test_config(&db);
        let app = common::start(config, db).await;
        eventually!("the lease clock refunded the overdue lease", refunds_of(&app, id).await == 1, within = std::time::Duration::from_secs(5));
        let state: String = sqlx::query_scalar("SELECT state FROM leases WHERE id = $1").bind(id).fetch_one(&app.db.pool).await.unwrap();
        assert_eq!(state, "expired");
        // Another restart refunds nothing more.
        let db = app.stop().await;
        let app = common::start(common::test_config(&db), db).await;
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        assert_eq!(refunds_of(&app, id).await, 1);
        assert_eq!(balance(&app, user).await, 300);
    }

    backend_tests!(overdue_leases_are_refunded_once_after_a_restart);
}

mod catalogue {
    use super::*;

    /// An admin's price change applies to the next confirmation; a
    /// customer who confirmed the old price is asked again.
    async fn price_changes_ask_the_customer_again(app: TestApp) {
        let (mut customer, user) = verified_customer(&app, "shopper", 1000).await;
        let mut admin = common::signed_in_admin(&app, "pricer").await;
        let answer = admin
            .call("admin/update_platform", &[("slug", "telegram"), ("name", "Telegram"), ("price", "2.00"), ("lease_minutes", "15"), ("color", "#229ed9"), ("enabled", "yes")])
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let stale = confirm(&mut customer, "telegram", 120, "price-key-1").await;
        assert_eq!(stale.status, 400);
        assert!(stale.body.contains("$2.00"), "{}", stale.body);
        assert_eq!(balance(&app, user).await, 1000, "nothing charged");
        let fresh = confirm(&mut customer, "telegram", 200, "price-key-2").await.json();
        assert_eq!(fresh["price"], 200);
        assert_eq!(fresh["expires_at"].as_i64().unwrap() - fresh["created_at"].as_i64().unwrap(), 15 * 60_000);
        let bad = admin
            .call("admin/update_platform", &[("slug", "telegram"), ("name", ""), ("price", "-1"), ("lease_minutes", "0"), ("color", "#229ed9")])
            .await;
        assert_eq!(bad.status, 400);
        let audit: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admin_audit WHERE action = 'platform_update'").fetch_one(&app.db.pool).await.unwrap();
        assert_eq!(audit, 1);
    }

    /// An admin gives a customer 20 % off: that customer's prices, charge
    /// and refund are the discounted ones; others pay the list price. A
    /// confirmation of the old price is asked again. A customer cannot set
    /// one; a bad percentage changes nothing.
    async fn a_discount_lowers_one_customers_prices(app: TestApp) {
        let (mut customer, user) = verified_customer(&app, "reseller_co", 1000).await;
        let (mut other, other_user) = verified_customer(&app, "walk_in", 1000).await;
        let mut admin = common::signed_in_admin(&app, "dealmaker").await;
        let public_id: String = sqlx::query_scalar("SELECT public_id FROM users WHERE id = $1").bind(user).fetch_one(&app.db.pool).await.unwrap();
        let telegram_price = |overview: serde_json::Value| {
            overview["platforms"].as_array().unwrap().iter().find(|p| p["slug"] == "telegram").map(|p| p["price"].clone()).unwrap()
        };
        assert_eq!(telegram_price(customer.call("my_leases", &[]).await.json()), 120);

        for bad in ["91", "12.5", "ten"] {
            let refused = admin.call("admin/set_discount", &[("public_id", &public_id), ("discount", bad)]).await;
            assert_eq!(refused.status, 400, "{bad}: {}", refused.body);
        }
        let set = admin.call("admin/set_discount", &[("public_id", &public_id), ("discount", "20 %")]).await;
        assert_eq!(set.status, 200, "{}", set.body);
        let overview = customer.call("my_leases", &[]).await.json();
        assert_eq!((overview["discount"].clone(), telegram_price(overview)), (serde_json::json!(20), serde_json::json!(96)));
        assert_eq!(telegram_price(other.call("my_leases", &[]).await.json()), 120, "only that customer's");
        let page = customer.get("/get-number").await.body.replace("<!>", "");
        assert!(page.contains("Your prices: 20 % off"), "{page}");

        let stale = confirm(&mut customer, "telegram", 120, "discount-key-1").await;
        assert_eq!(stale.status, 400);
        assert!(stale.body.contains("$0.96"), "{}", stale.body);
        let lease = confirm(&mut customer, "telegram", 96, "discount-key-2").await.json();
        assert_eq!(lease["price"], 96);
        assert_eq!(balance(&app, user).await, 904);
        let id = lease["id"].as_i64().unwrap().to_string();
        assert_eq!(customer.call("lease_action", &[("lease_id", &id), ("action", "cancel")]).await.status, 200);
        assert_eq!(balance(&app, user).await, 1000, "the price paid comes back");
        assert_eq!(confirm(&mut other, "telegram", 96, "discount-key-3").await.status, 400, "not the list price");
        assert_eq!(balance(&app, other_user).await, 1000);

        // Support staff and customers are refused in account_security.rs.
        assert_eq!(customer.call("admin/set_discount", &[("public_id", &public_id), ("discount", "90")]).await.status, 403);
        let detail = admin.call("admin/user", &[("public_id", &public_id)]).await.json();
        assert_eq!(detail["user"]["discount"], 20);
        let audit: Vec<(String, String)> =
            sqlx::query_as("SELECT before_state, after_state FROM admin_audit WHERE action = 'user.discount'").fetch_all(&app.db.pool).await.unwrap();
        assert_eq!(audit, [("0 %".to_string(), "20 %".to_string())]);
        assert_eq!(admin.call("admin/set_discount", &[("public_id", &public_id), ("discount", "")]).await.status, 200);
        assert_eq!(telegram_price(customer.call("my_leases", &[]).await.json()), 120, "none again");
    }

    /// An admin adds a platform: customers see it, with its colour,
    /// before "Other", and can rent a number for it. A second platform
    /// with the same slug, or a bad field, changes nothing.
    async fn an_added_platform_can_be_rented(app: TestApp) {
        let (mut customer, user) = verified_customer(&app, "early_bird", 1000).await;
        let mut admin = common::signed_in_admin(&app, "curator").await;
        let added = admin.call("admin/add_platform", &[("name", " Yahoo Mail "), ("price", "0.95"), ("lease_minutes", "15"), ("color", "#6001D2")]).await;
        assert_eq!(added.status, 200, "{}", added.body);
        assert_eq!(added.json(), "yahoo-mail");
        let list = customer.call("platforms", &[]).await.json();
        let slugs: Vec<&str> = list.as_array().unwrap().iter().map(|p| p["slug"].as_str().unwrap()).collect();
        assert_eq!(&slugs[slugs.len() - 2..], ["yahoo-mail", "other"], "{slugs:?}");
        let yahoo = &list[slugs.len() - 2];
        assert_eq!((yahoo["name"].as_str(), yahoo["color"].as_str(), yahoo["lease_minutes"].as_i64()), (Some("Yahoo Mail"), Some("#6001d2"), Some(15)));
        let lease = confirm(&mut customer, "yahoo-mail", 95, "yahoo-key-1").await.json();
        assert_eq!(lease["platform"], "Yahoo Mail");
        assert_eq!(balance(&app, user).await, 905);

        let count = || async { sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM platforms").fetch_one(&app.db.pool).await.unwrap() };
        let before = count().await;
        for (form, message) in [
            ([("name", "yahoo-mail"), ("price", "1"), ("lease_minutes", "15"), ("color", "#000000")], "already has the platform"),
            ([("name", "TG"), ("price", "1"), ("lease_minutes", "15"), ("color", "#000000")], "reseller API names telegram"),
            ([("name", "Вконтакте"), ("price", "1"), ("lease_minutes", "15"), ("color", "#000000")], "Latin letter"),
            ([("name", "Zoom"), ("price", "1"), ("lease_minutes", "15"), ("color", "blue")], "#rrggbb"),
            ([("name", "Zoom"), ("price", "0"), ("lease_minutes", "15"), ("color", "#000000")], "above zero"),
            ([("name", "Zoom"), ("price", "1"), ("lease_minutes", "soon"), ("color", "#000000")], "1 to 1440 minutes"),
        ] {
            let refused = admin.call("admin/add_platform", &form).await;
            assert_eq!(refused.status, 400, "{form:?}: {}", refused.body);
            assert!(refused.body.contains(message), "{form:?}: {}", refused.body);
        }
        assert_eq!(count().await, before, "nothing was added");
        let audit: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admin_audit WHERE action = 'platform_add'").fetch_one(&app.db.pool).await.unwrap();
        assert_eq!(audit, 1);
    }

    /// Admins order the catalogue one step at a time; customers see that
    /// order; "Other" stays last and the ends stay put.
    async fn admins_order_the_catalogue(app: TestApp) {
        let mut admin = common::signed_in_admin(&app, "orderer").await;
        let slugs = |list: serde_json::Value| -> Vec<String> { list.as_array().unwrap().iter().map(|p| p["slug"].as_str().unwrap().to_string()).collect() };
        let mut visitor = common::browser::Browser::new(&app.base);
        assert_eq!(&slugs(visitor.call("platforms", &[]).await.json())[..3], ["whatsapp", "telegram", "google"]);
        for (slug, direction) in [("google", "up"), ("google", "up"), ("google", "up"), ("whatsapp", "down")] {
            let answer = admin.call("admin/move_platform", &[("slug", slug), ("direction", direction)]).await;
            assert_eq!(answer.status, 200, "{slug} {direction}: {}", answer.body);
        }
        let order = slugs(visitor.call("platforms", &[]).await.json());
        assert_eq!(&order[..3], ["google", "telegram", "whatsapp"], "{order:?}");
        assert_eq!(order.last().map(String::as_str), Some("other"));
        let refused = admin.call("admin/move_platform", &[("slug", "other"), ("direction", "up")]).await;
        assert_eq!(refused.status, 400);
        assert!(refused.body.contains("stays last"), "{}", refused.body);
        assert_eq!(admin.call("admin/move_platform", &[("slug", "google"), ("direction", "sideways")]).await.status, 400);
        assert_eq!(admin.call("admin/move_platform", &[("slug", "nope"), ("direction", "up")]).await.status, 400);
        assert_eq!(slugs(visitor.call("platforms", &[]).await.json()), order, "refusals changed nothing");
        let audit: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admin_audit WHERE action = 'platform_move'").fetch_one(&app.db.pool).await.unwrap();
        assert_eq!(audit, 3, "the no-op move at the top is not audited");
    }

    backend_tests!(price_changes_ask_the_customer_again, a_discount_lowers_one_customers_prices, an_added_platform_can_be_rented, admins_order_the_catalogue);
}

mod number_safety {
    use super::*;

    /// One number: two customers at once get it once; after it received a
    /// code for Google it is never leased for Google again, but may be for
    /// Telegram; the operator's own numbers come before the demo range.
    async fn a_number_is_never_shared_or_reused_for_the_same_platform(app: TestApp) {
        sqlx::query("UPDATE numbers SET enabled = 0").execute(&app.db.pool).await.unwrap();
        sqlx::query("INSERT INTO numbers (e164, source, enabled, created_at) VALUES ('+13125550142', 'pool', 1, 0)")
            .execute(&app.db.pool)
            .await
            .unwrap();
        let (a, _) = verified_customer(&app, "first_in", 1000).await;
        let (b, _) = verified_customer(&app, "second_in", 1000).await;
        let (mut a2, mut b2) = (a.clone(), b.clone());
        let (ra, rb) = tokio::join!(confirm(&mut a2, "google", 100, "share-key-a"), confirm(&mut b2, "google", 100, "share-key-b"));
        let winners: Vec<_> = [&ra, &rb].into_iter().filter(|r| r.status == 200).collect();
        assert_eq!(winners.len(), 1, "{} / {}", ra.body, rb.body);
        let lease = winners[0].json();
        assert_eq!(lease["number"], "+13125550142");
        assert_eq!(lease["demo"], false);
        let id = lease["id"].as_i64().unwrap();
        let number_id: i64 = sqlx::query_scalar("SELECT id FROM numbers WHERE e164 = '+13125550142'").fetch_one(&app.db.pool).await.unwrap();
        leases::record_sms(&app.services(), test_sms(number_id, "Google", "G-424242 is your code", "424242", "safety-1")).await.unwrap();
        let owner = if ra.status == 200 { a2 } else { b2 };
        let mut owner = owner;
        assert!(owner.call("lease_action", &[("lease_id", &id.to_string()), ("action", "complete")]).await.status < 400);

        let (mut c, _) = verified_customer(&app, "third_in", 1000).await;
        let again = confirm(&mut c, "google", 100, "share-key-c").await;
        assert_eq!(again.status, 400, "not for Google again: {}", again.body);
        let other = confirm(&mut c, "telegram", 120, "share-key-d").await;
        assert_eq!(other.status, 200, "{}", other.body);
        assert_eq!(other.json()["number"], "+13125550142");
    }

    /// A customer who cancels a number and asks again for the same
    /// platform gets another one (the platform may have refused the first),
    /// even where the one they cancelled is the least recently used; when
    /// every free number is one they tried, they still get one.
    async fn a_customer_asking_again_gets_another_number(app: TestApp) {
        sqlx::query("UPDATE numbers SET enabled = 0").execute(&app.db.pool).await.unwrap();
        for e164 in ["+13125550151", "+13125550152"] {
            sqlx::query("INSERT INTO numbers (e164, source, enabled, created_at) VALUES ($1, 'pool', 1, 0)").bind(e164).execute(&app.db.pool).await.unwrap();
        }
        let (mut tried, _) = verified_customer(&app, "retrier", 1000).await;
        let (mut other, _) = verified_customer(&app, "other_one", 1000).await;
        async fn rent_and_cancel(browser: &mut common::browser::Browser, platform: &str, price: i64, key: &str) -> String {
            let lease = confirm(browser, platform, price, key).await;
            assert_eq!(lease.status, 200, "{}", lease.body);
            let lease = lease.json();
            let id = lease["id"].as_i64().unwrap().to_string();
            assert!(browser.call("lease_action", &[("lease_id", &id), ("action", "cancel")]).await.status < 400);
            lease["number"].as_str().unwrap().to_string()
        }
        let first = rent_and_cancel(&mut tried, "google", 100, "tried-key-1").await;
        // Someone else's lease makes the other number the more recently used.
        let second = rent_and_cancel(&mut other, "google", 100, "other-key-1").await;
        assert_ne!(first, second);
        assert_eq!(rent_and_cancel(&mut tried, "google", 100, "tried-key-2").await, second, "not the number just cancelled");
        // Both tried: the least recently used comes back rather than none.
        assert_eq!(rent_and_cancel(&mut tried, "google", 100, "tried-key-3").await, first);
        // Another customer's tries change nothing for them: the least recently used.
        let (mut third, _) = verified_customer(&app, "third_one", 1000).await;
        assert_eq!(rent_and_cancel(&mut third, "google", 100, "third-key-1").await, second);
    }

    /// A pool number whose last leases for a platform all ended without a
    /// code is listed for admins on the Supply page, until one gets a code;
    /// Disable there takes it out of the pool.
    async fn numbers_that_get_no_codes_are_listed_for_admins(app: TestApp) {
        sqlx::query("UPDATE numbers SET enabled = 0").execute(&app.db.pool).await.unwrap();
        let number_id: i64 = sqlx::query_scalar("INSERT INTO numbers (e164, source, enabled, created_at) VALUES ('+13125550161', 'pool', 1, 0) RETURNING id")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        let (mut customer, _) = verified_customer(&app, "gives_up", 1000).await;
        let mut admin = common::signed_in_admin(&app, "supply_watch").await;
        let silent = |answer: serde_json::Value| answer.as_array().unwrap().iter().map(|r| (r["number"].as_str().unwrap().to_string(), r["platform"].as_str().unwrap().to_string(), r["leases"].as_i64().unwrap())).collect::<Vec<_>>();
        let lease_of = |answer: common::browser::Answer| {
            assert_eq!(answer.status, 200, "{}", answer.body);
            answer.json()["id"].as_i64().unwrap().to_string()
        };
        for n in 1..=3 {
            assert!(silent(admin.call("admin/silent_numbers", &[]).await.json()).is_empty(), "not after {}", n - 1);
            let id = lease_of(confirm(&mut customer, "google", 100, &format!("silent-key-{n}")).await);
            assert!(customer.call("lease_action", &[("lease_id", &id), ("action", "cancel")]).await.status < 400);
        }
        // Telegram's lease of it got a code: Google's record is its own.
        let id = lease_of(confirm(&mut customer, "telegram", 120, "silent-key-tg").await);
        leases::record_sms(&app.services(), test_sms(number_id, "Telegram", "Telegram code 55821", "55821", "silent-tg")).await.unwrap();
        assert!(customer.call("lease_action", &[("lease_id", &id), ("action", "complete")]).await.status < 400);
        assert_eq!(silent(admin.call("admin/silent_numbers", &[]).await.json()), vec![("+13125550161".to_string(), "Google".to_string(), 3)]);
        assert_eq!(admin.call("admin/supply_attention", &[]).await.json(), 1, "the admin menu counts it");
        let page = admin.get("/admin/supply").await.body.replace("<!>", "");
        assert!(page.contains("Numbers that get no codes") && page.contains("+1 (312) 555-0161"), "the Supply page lists it");
        // A code for Google clears it.
        let id = lease_of(confirm(&mut customer, "google", 100, "silent-key-4").await);
        leases::record_sms(&app.services(), test_sms(number_id, "Google", "G-515151 is your code", "515151", "silent-g")).await.unwrap();
        assert!(customer.call("lease_action", &[("lease_id", &id), ("action", "complete")]).await.status < 400);
        assert!(silent(admin.call("admin/silent_numbers", &[]).await.json()).is_empty(), "a code came");
        assert_eq!(admin.call("admin/supply_attention", &[]).await.json(), 0);
        assert_eq!(customer.call("admin/silent_numbers", &[]).await.status, 403);
    }

    backend_tests!(
        a_number_is_never_shared_or_reused_for_the_same_platform,
        a_customer_asking_again_gets_another_number,
        numbers_that_get_no_codes_are_listed_for_admins
    );
}

mod rent_again {
    use super::*;

    async fn pool_number(app: &TestApp, e164: &str) -> i64 {
        sqlx::query_scalar("INSERT INTO numbers (e164, source, enabled, created_at) VALUES ($1, 'pool', 1, 0) RETURNING id")
            .bind(e164)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    }

    /// The numbers "Your numbers" offers to rent again.
    async fn offered(browser: &mut common::browser::Browser) -> Vec<String> {
        let history = browser.call("my_numbers", &[]).await.json();
        let leases = history["leases"].as_array().unwrap();
        let mut numbers: Vec<String> = leases.iter().filter(|l| l["rent_again"] == true).map(|l| l["number"].as_str().unwrap().to_string()).collect();
        numbers.sort();
        numbers.dedup();
        numbers
    }

    async fn again(browser: &mut common::browser::Browser, platform: &str, price: i64, key: &str, number: &str) -> common::browser::Answer {
        let price = price.to_string();
        browser.call("confirm_lease", &[("platform", platform), ("price_cents", &price), ("idempotency_key", key), ("number", number)]).await
    }

    /// "Rent again": a customer takes one of their earlier numbers back,
    /// for a platform it got them a code for (which keeps it from everyone
    /// else); never someone else's number, one in another lease, a
    /// disabled one or an upstream's. A refusal charges nothing.
    async fn a_customer_rents_their_earlier_number_again(app: TestApp) {
        let policies = common::browser::Browser::new(&app.base).get("/policies").await.body.replace("<!>", "");
        let promise = "but never again for the same platform it received a code for. You may take a number you had before back";
        assert!(policies.contains(promise), "{policies}");
        sqlx::query("UPDATE numbers SET enabled = 0").execute(&app.db.pool).await.unwrap();
        let mine = pool_number(&app, "+13125550150").await;
        let (mut keeper, keeper_id) = verified_customer(&app, "keeper", 1000).await;
        let first = confirm(&mut keeper, "google", 100, "again-key-1").await.json();
        assert_eq!(first["number"], "+13125550150");
        assert_eq!(offered(&mut keeper).await, Vec::<String>::new(), "not while it is open");
        leases::record_sms(&app.services(), test_sms(mine, "Google", "G-616161 is your code", "616161", "again-1")).await.unwrap();
        let id = first["id"].as_i64().unwrap().to_string();
        assert!(keeper.call("lease_action", &[("lease_id", &id), ("action", "complete")]).await.status < 400);
        assert_eq!(offered(&mut keeper).await, ["+13125550150"]);

        // Nobody else gets it for Google, nor asks for it by name.
        pool_number(&app, "+13125550151").await;
        let (mut stranger, stranger_id) = verified_customer(&app, "stranger", 1000).await;
        let other = confirm(&mut stranger, "google", 100, "again-key-2").await.json();
        assert_eq!(other["number"], "+13125550151");
        let other_id = other["id"].as_i64().unwrap().to_string();
        assert!(stranger.call("lease_action", &[("lease_id", &other_id), ("action", "cancel")]).await.status < 400);
        let refused = again(&mut stranger, "google", 100, "again-key-3", "13125550150").await;
        assert_eq!(refused.status, 400, "{}", refused.body);
        assert!(refused.body.contains("+1 (312) 555-0150 cannot be rented for Google right now. Nothing was charged"), "{}", refused.body);
        assert_eq!(balance(&app, stranger_id).await, 1000);

        // Its owner does, written any way, at today's price.
        let taken = again(&mut keeper, "google", 100, "again-key-4", "(312) 555-0150").await;
        assert_eq!(taken.status, 200, "{}", taken.body);
        let taken = taken.json();
        assert_eq!((&taken["number"], &taken["state"]), (&"+13125550150".into(), &"active".into()));
        assert_eq!(balance(&app, keeper_id).await, 800);
        // A retry of the same confirmation is the same lease.
        assert_eq!(again(&mut keeper, "google", 100, "again-key-4", "13125550150").await.json()["id"], taken["id"]);
        let taken_id = taken["id"].as_i64().unwrap().to_string();
        assert!(keeper.call("lease_action", &[("lease_id", &taken_id), ("action", "cancel")]).await.status < 400);
        assert_eq!(balance(&app, keeper_id).await, 900);

        // Not while someone else's lease holds it (for another platform).
        sqlx::query("UPDATE numbers SET enabled = 0 WHERE e164 = '+13125550151'").execute(&app.db.pool).await.unwrap();
        let held = confirm(&mut stranger, "telegram", 120, "again-key-5").await.json();
        assert_eq!(held["number"], "+13125550150");
        assert_eq!(offered(&mut keeper).await, Vec::<String>::new(), "not while someone else has it");
        let busy = again(&mut keeper, "google", 100, "again-key-6", "13125550150").await;
        assert_eq!(busy.status, 400, "{}", busy.body);
        assert!(busy.body.contains("choose any other number instead"), "{}", busy.body);
        let held_id = held["id"].as_i64().unwrap().to_string();
        assert!(stranger.call("lease_action", &[("lease_id", &held_id), ("action", "cancel")]).await.status < 400);
        assert_eq!(offered(&mut keeper).await, ["+13125550150"]);
        assert_eq!(offered(&mut stranger).await, ["+13125550150"], "for Telegram, which it got no code for");
        // Not for a platform no longer offered.
        sqlx::query("UPDATE platforms SET enabled = 0 WHERE slug = 'google'").execute(&app.db.pool).await.unwrap();
        assert_eq!(offered(&mut keeper).await, Vec::<String>::new());
        sqlx::query("UPDATE platforms SET enabled = 1 WHERE slug = 'google'").execute(&app.db.pool).await.unwrap();

        // Nor once the operator disabled it; nor a number that is no number.
        sqlx::query("UPDATE numbers SET enabled = 0 WHERE id = $1").bind(mine).execute(&app.db.pool).await.unwrap();
        assert_eq!(offered(&mut keeper).await, Vec::<String>::new());
        assert_eq!(again(&mut keeper, "google", 100, "again-key-7", "13125550150").await.status, 400);
        let typo = again(&mut keeper, "google", 100, "again-key-8", "555-01").await;
        assert_eq!(typo.status, 400);
        assert!(typo.body.contains("A US number has 10 digits"), "{}", typo.body);

        // An upstream's number was bought for one lease: never again.
        let bought: i64 = sqlx::query_scalar("INSERT INTO numbers (e164, source, enabled, created_at) VALUES ('+13125550152', 'upstream', 1, 0) RETURNING id")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        let google: i64 = sqlx::query_scalar("SELECT id FROM platforms WHERE slug = 'google'").fetch_one(&app.db.pool).await.unwrap();
        sqlx::query(
            "INSERT INTO leases (user_id, platform_id, number_id, e164, price_cents, state, created_at, expires_at, idempotency_key) \
             VALUES ($1, $2, $3, '+13125550152', 100, 'cancelled', 1, 2, 'again-upstream')",
        )
        .bind(keeper_id)
        .bind(google)
        .bind(bought)
        .execute(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(offered(&mut keeper).await, Vec::<String>::new(), "not an upstream's");
        assert_eq!(again(&mut keeper, "google", 100, "again-key-9", "13125550152").await.status, 400);
        assert_eq!(balance(&app, keeper_id).await, 900, "no refusal charged anything");
        assert!(ledger::verify(&app.db).await.unwrap().problems.is_empty());
    }

    backend_tests!(a_customer_rents_their_earlier_number_again);
}

mod reuse_period {
    use super::*;
    use crate::common::{start_customised, test_config, TestDatabase};
    use app::services::clock::{ManualClock, DAY_MS, MINUTE_MS};

    /// With `USNH_NUMBER_REUSE_AFTER_CODE_DAYS`, a number that got a code
    /// for a platform serves it again once the period has passed, not before.
    async fn a_number_serves_a_platform_again_after_the_reuse_period(backend: Backend) {
        let Some(database) = TestDatabase::create(backend).await else { return };
        let clock = ManualClock::new();
        let config = server::config::Config { number_reuse_after_code_days: Some(1), ..test_config(&database) };
        let app = start_customised(config, database, {
            let clock = clock.clone();
            move |services| services.clock = clock
        })
        .await;
        // The policies say so.
        let policies = common::browser::Browser::new(&app.base).get("/policies").await.body.replace("<!>", "");
        assert!(policies.contains("but not for the same platform it received a code for until a day later."), "{policies}");
        sqlx::query("UPDATE numbers SET enabled = 0").execute(&app.db.pool).await.unwrap();
        sqlx::query("INSERT INTO numbers (e164, source, enabled, created_at) VALUES ('+13125550143', 'pool', 1, 0)")
            .execute(&app.db.pool)
            .await
            .unwrap();
        let number_id: i64 = sqlx::query_scalar("SELECT id FROM numbers WHERE e164 = '+13125550143'").fetch_one(&app.db.pool).await.unwrap();
        let (mut customer, _) = verified_customer(&app, "reuser", 1000).await;
        let first = confirm(&mut customer, "google", 100, "reuse-key-1").await;
        assert_eq!(first.status, 200, "{}", first.body);
        let id = first.json()["id"].as_i64().unwrap();
        leases::record_sms(&app.services(), test_sms(number_id, "Google", "G-515151 is your code", "515151", "reuse-1")).await.unwrap();
        assert!(customer.call("lease_action", &[("lease_id", &id.to_string()), ("action", "complete")]).await.status < 400);

        clock.advance_millis(DAY_MS - MINUTE_MS);
        let early = confirm(&mut customer, "google", 100, "reuse-key-2").await;
        assert_eq!(early.status, 400, "not for Google within the period: {}", early.body);
        clock.advance_millis(2 * MINUTE_MS);
        let again = confirm(&mut customer, "google", 100, "reuse-key-3").await;
        assert_eq!(again.status, 200, "for Google again after the period: {}", again.body);
        assert_eq!(again.json()["number"], "+13125550143");
    }

    per_backend_tests!(a_number_serves_a_platform_again_after_the_reuse_period);
}

mod silent_numbers_last {
    use super::*;
    use app::services::{
        clock::{ManualClock, MINUTE_MS},
        silent_numbers::READ_EVERY_MS,
    };

    async fn pool_number(app: &TestApp, e164: &str, enabled: bool) {
        sqlx::query("INSERT INTO numbers (e164, source, enabled, created_at) VALUES ($1, 'pool', $2, 0)")
            .bind(e164)
            .bind(i64::from(enabled))
            .execute(&app.db.pool)
            .await
            .unwrap();
    }

    async fn rent(browser: &mut common::browser::Browser, platform: &str, price: i64, key: &str, number: Option<&str>) -> (String, String) {
        let price = price.to_string();
        let mut form = vec![("platform", platform), ("price_cents", price.as_str()), ("idempotency_key", key)];
        form.extend(number.map(|n| ("number", n)));
        let lease = browser.call("confirm_lease", &form).await;
        assert_eq!(lease.status, 200, "{}", lease.body);
        let lease = lease.json();
        (lease["id"].as_i64().unwrap().to_string(), lease["number"].as_str().unwrap().to_string())
    }

    async fn cancel(browser: &mut common::browser::Browser, id: &str) {
        assert!(browser.call("lease_action", &[("lease_id", id), ("action", "cancel")]).await.status < 400);
    }

    async fn silent_list(admin: &mut common::browser::Browser) -> serde_json::Value {
        admin.call("admin/silent_numbers", &[]).await.json()
    }

    /// Enables `other` (a disabled pool number) and has a customer take it
    /// for Telegram, so that by age alone the number Google seems to refuse
    /// would go first; once the silent list is read again, a newcomer asking
    /// for Google gets `other`.
    async fn a_newcomer_gets_the_other_number(app: &TestApp, clock: &ManualClock, other: &str) {
        sqlx::query("UPDATE numbers SET enabled = 1 WHERE e164 = $1").bind(other).execute(&app.db.pool).await.unwrap();
        let (mut other_user, _) = verified_customer(app, "other_user", 1000).await;
        let (id, number) = rent(&mut other_user, "telegram", 120, "other-key-tg", None).await;
        assert_eq!(number, other, "the least recently used for another platform");
        cancel(&mut other_user, &id).await;
        // Read again a minute later at most.
        clock.advance_millis(READ_EVERY_MS + MINUTE_MS);
        let (mut newcomer, _) = verified_customer(app, "newcomer", 1000).await;
        let (_, number) = rent(&mut newcomer, "google", 100, "newcomer-key", None).await;
        assert_eq!(number, other, "not the number Google seems to refuse");
    }

    /// A pool number whose last three leases for a platform got no code
    /// goes to any customer after the other free numbers, even where it
    /// is the least recently used; when it is the only one free, it is
    /// still given. Other platforms are not concerned.
    async fn a_number_a_platform_seems_to_refuse_goes_last_for_everyone(backend: Backend) {
        let Some((app, clock)) = common::spawn_app_with_clock(backend).await else { return };
        sqlx::query("UPDATE numbers SET enabled = 0").execute(&app.db.pool).await.unwrap();
        pool_number(&app, "+13125550171", true).await;
        pool_number(&app, "+13125550172", false).await;
        let (mut giver_up, _) = verified_customer(&app, "giver_up", 1000).await;
        let (id, refused) = rent(&mut giver_up, "google", 100, "refused-key-1", None).await;
        assert_eq!(refused, "+13125550171");
        cancel(&mut giver_up, &id).await;
        for n in 2..=3 {
            let (id, number) = rent(&mut giver_up, "google", 100, &format!("refused-key-{n}"), Some("13125550171")).await;
            assert_eq!(number, refused);
            cancel(&mut giver_up, &id).await;
        }
        a_newcomer_gets_the_other_number(&app, &clock, "+13125550172").await;
        // The only free one left: better than none.
        let (mut last, _) = verified_customer(&app, "last_one", 1000).await;
        let (_, number) = rent(&mut last, "google", 100, "refused-key-5", None).await;
        assert_eq!(number, refused);
    }

    /// One lease the customer cancels saying the platform refused the
    /// number is enough (a plain cancel is not): refunded as a cancel, and
    /// the number goes last for that platform and is listed for the admins.
    async fn a_number_a_customer_says_was_refused_goes_last(backend: Backend) {
        let Some((app, clock)) = common::spawn_app_with_clock(backend).await else { return };
        sqlx::query("UPDATE numbers SET enabled = 0").execute(&app.db.pool).await.unwrap();
        pool_number(&app, "+13125550173", true).await;
        pool_number(&app, "+13125550174", false).await;
        let mut admin = common::signed_in_admin(&app, "refusal_admin").await;
        let (mut reporter, _) = verified_customer(&app, "reporter", 1000).await;
        let (id, refused) = rent(&mut reporter, "google", 100, "report-key-1", None).await;
        assert_eq!(refused, "+13125550173");
        cancel(&mut reporter, &id).await;
        assert_eq!(silent_list(&mut admin).await, serde_json::json!([]), "one plain cancel says nothing");

        let (id, number) = rent(&mut reporter, "google", 100, "report-key-2", Some("13125550173")).await;
        assert_eq!(number, refused);
        let answer = reporter.call("lease_action", &[("lease_id", &id), ("action", "refused")]).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!((&answer.json()["state"], &answer.json()["refused"]), (&"cancelled".into(), &true.into()));
        let (balance, note): (i64, String) = sqlx::query_as(
            "SELECT balance_after_cents, note FROM ledger_entries WHERE lease_id = $1 AND kind = 'refund'",
        )
        .bind(id.parse::<i64>().unwrap())
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!((balance, note.as_str()), (1000, "Google +1 (312) 555-0173, cancelled before a code arrived, refused by the platform"));
        let again = reporter.call("lease_action", &[("lease_id", &id), ("action", "refused")]).await;
        assert_eq!(again.status, 400, "ended already: {}", again.body);
        let list = silent_list(&mut admin).await;
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
        assert_eq!((&list[0]["number"], &list[0]["platform"], &list[0]["leases"], &list[0]["refused"]), (&"+13125550173".into(), &"Google".into(), &2.into(), &1.into()));

        a_newcomer_gets_the_other_number(&app, &clock, "+13125550174").await;
    }

    per_backend_tests!(a_number_a_platform_seems_to_refuse_goes_last_for_everyone, a_number_a_customer_says_was_refused_goes_last);
}

mod turned_away {
    use super::*;
    use app::services::{operator_alerts::TURNED_AWAY_REMIND_MS, shortages};

    per_backend_tests!(customers_turned_away_are_counted_and_mailed_to_the_admins);

    /// A confirmation no source has a number for charges nothing, is
    /// counted for the Supply page and mailed to the admins: once, then
    /// again after the reminder interval while it goes on.
    async fn customers_turned_away_are_counted_and_mailed_to_the_admins(backend: Backend) {
        let Some((app, clock)) = common::spawn_app_with_clock(backend).await else { return };
        common::signed_in_admin(&app, "supply_admin").await;
        sqlx::query("UPDATE numbers SET enabled = 0").execute(&app.db.pool).await.unwrap();
        let mailed = || async {
            sqlx::query_as::<_, (String, String, String)>(
                "SELECT to_addr, subject, body FROM dev_outbox WHERE subject LIKE 'Customers turned away%' ORDER BY id",
            )
            .fetch_all(&app.db.pool)
            .await
            .unwrap()
        };
        let turn_away = |name: &'static str| {
            let app = &app;
            async move {
                let (mut customer, id) = verified_customer(app, name, 500).await;
                let refused = confirm(&mut customer, "google", 100, &format!("key-{name}")).await;
                assert_eq!(refused.status, 400, "{}", refused.body);
                assert!(refused.body.contains("No number is available"), "{}", refused.body);
                assert_eq!(balance(app, id).await, 500, "nothing charged");
            }
        };
        turn_away("first_away").await;
        turn_away("second_away").await;
        let mails = mailed().await;
        assert_eq!(mails.len(), 1, "once while it goes on: {mails:?}");
        assert_eq!((mails[0].0.as_str(), mails[0].1.as_str()), ("supply_admin@example.com", "Customers turned away: no Google number free"));
        assert!(mails[0].2.contains("turned away: no free number in the pool."), "{}", mails[0].2);

        clock.advance_millis(TURNED_AWAY_REMIND_MS + 60_000);
        turn_away("third_away").await;
        assert_eq!(mailed().await.len(), 2, "reminded after the interval");

        // The Supply page counts them; a day on, the first two are older
        // than 24 hours.
        clock.advance_millis(20 * 3_600_000);
        let mut admin = common::signed_in_admin(&app, "supply_admin2").await;
        let rows = admin.call("admin/shortages", &[]).await.json();
        let rows = rows.as_array().unwrap();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!((&rows[0]["platform"], &rows[0]["last_day"], &rows[0]["last_week"]), (&"Google".into(), &1.into(), &3.into()));
        assert_eq!(rows[0]["reason"], "no free number in the pool");
        let page = admin.get("/admin/supply").await.body.replace("<!>", "");
        assert!(page.contains("Customers turned away") && page.contains("no free number in the pool"), "{page}");
        let (mut customer, _) = verified_customer(&app, "curious", 0).await;
        assert_eq!(customer.call("admin/shortages", &[]).await.status, 403);

        // Kept a week.
        let svc = app.services();
        clock.advance_millis(shortages::KEPT_FOR_MS - 20 * 3_600_000);
        assert_eq!(shortages::purge(&svc).await.unwrap(), 2);
        assert_eq!(shortages::recent(&svc).await.unwrap().len(), 1);
    }
}

mod two_instances {
    use super::*;

    /// Two server instances on one database both run the lease clock;
    /// every overdue lease is still refunded exactly once.
    async fn expiry_on_two_instances_refunds_once(app: TestApp) {
        let mut ids = Vec::new();
        for i in 0..8 {
            let (mut b, _) = verified_customer(&app, &format!("twin{i}"), 500).await;
            let lease = confirm(&mut b, "google", 100, &format!("twin-key-{i}")).await.json();
            ids.push(lease["id"].as_i64().unwrap());
        }
        let second = common::start(common::test_config(&app.database), app.database.second_handle()).await;
        sqlx::query("UPDATE leases SET expires_at = 1").execute(&app.db.pool).await.unwrap();
        let mut done = false;
        for _ in 0..60 {
            let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM leases WHERE state = 'active'").fetch_one(&app.db.pool).await.unwrap();
            if open == 0 {
                done = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(done, "the lease clocks ended every overdue lease");
        for id in ids {
            assert_eq!(refunds_of(&app, id).await, 1, "lease {id}");
        }
        assert!(ledger::verify(&app.db).await.unwrap().problems.is_empty());
        drop(second);
    }

    backend_tests!(expiry_on_two_instances_refunds_once);
}

/// An SMS with a code, as a test gateway "test" delivers it.
fn test_sms<'a>(number_id: i64, sender: &'a str, body: &'a str, code: &'a str, message_id: &'a str) -> leases::NewSms<'a> {
    leases::NewSms { number_id: Some(number_id), recipient: "", sender, body, code: Some(code), source: "test", source_message_id: message_id }
}

mod code_rates {
    use super::*;

    /// Before confirming, a platform shows how its last week's leases
    /// fared, once twenty ran their course; cancelled ones do not count.
    async fn the_code_rate_shows_once_enough_leases_ran_their_course(app: TestApp) {
        let (mut browser, _) = verified_customer(&app, "odds_taker", 5000).await;
        for i in 0..21 {
            let lease = confirm(&mut browser, "telegram", 120, &format!("odds-key-{i:04}")).await;
            assert_eq!(lease.status, 200, "{}", lease.body);
            let id = lease.json()["id"].as_i64().unwrap().to_string();
            assert!(browser.call("lease_action", &[("lease_id", &id), ("action", "cancel")]).await.status < 400);
        }
        // Fifteen got a code and five ran out of time; the last stays
        // cancelled, which is left out.
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM leases ORDER BY id").fetch_all(&app.db.pool).await.unwrap();
        for (i, id) in ids.iter().take(20).enumerate() {
            let outcome = if i < 15 {
                "UPDATE leases SET state = 'completed', code_at = created_at + 1000 WHERE id = $1"
            } else {
                "UPDATE leases SET state = 'expired' WHERE id = $1"
            };
            sqlx::query(outcome).bind(id).execute(&app.db.pool).await.unwrap();
        }
        let platforms = browser.call("platforms", &[]).await.json();
        let rate_of = |slug: &str| platforms.as_array().unwrap().iter().find(|p| p["slug"] == slug).unwrap()["code_rate"].clone();
        assert_eq!(rate_of("telegram"), serde_json::json!({"percent": 75, "leases": 20, "median_secs": 1}));
        assert!(rate_of("google").is_null(), "no leases: nothing shown");
        // Visitors see it in the price list.
        let mut visitor = common::browser::Browser::new(&app.base);
        let page = visitor.get("/get-number").await.body.replace("<!>", "");
        assert!(page.contains("Got a code (last week)") && page.contains("75 % of 20"), "{page}");
        // Its page says how soon the codes came.
        let page = visitor.get("/platforms/telegram").await.body.replace("<!>", "");
        assert!(page.contains("75 % of the last week's 20 leases got a code; half of the codes came within 1 second"), "{page}");
    }

    backend_tests!(the_code_rate_shows_once_enough_leases_ran_their_course);
}

mod history {
    use super::*;
    use app::support::INBOX_PAGE;

    /// "Your numbers": every lease of the customer's, newest first, a page
    /// at a time, each message in full; none of another customer's; only
    /// for a signed-in customer.
    async fn a_customer_reads_every_lease_and_its_messages(app: TestApp) {
        let (mut customer, _) = verified_customer(&app, "historian", 500).await;
        let (mut stranger, _) = verified_customer(&app, "stranger", 500).await;
        let theirs = confirm(&mut stranger, "google", 100, "theirs-key-1").await.json();
        for round in 0..22 {
            let lease = confirm(&mut customer, "google", 100, &format!("history-key-{round}")).await.json();
            let id = lease["id"].as_i64().unwrap().to_string();
            assert_eq!(customer.call("lease_action", &[("lease_id", &id), ("action", "cancel")]).await.status, 200);
        }
        let lease = confirm(&mut customer, "telegram", 120, "history-key-last").await.json();
        let number_id: i64 = sqlx::query_scalar("SELECT id FROM numbers WHERE e164 = $1").bind(lease["number"].as_str().unwrap()).fetch_one(&app.db.pool).await.unwrap();
        let texts = [("11223", "Telegram code 11223. Do not give it to anyone."), ("55667", "Log in at https://t.me/login/55667 or enter 55667")];
        for (n, (code, body)) in texts.into_iter().enumerate() {
            let sms = leases::NewSms { number_id: Some(number_id), recipient: "", sender: "Telegram", body, code: Some(code), source: "test", source_message_id: &format!("history-{n}") };
            leases::record_sms(&app.services(), sms).await.unwrap();
        }

        let first = customer.call("my_numbers", &[]).await;
        assert_eq!(first.status, 200, "{}", first.body);
        let first = first.json();
        let leases = first["leases"].as_array().unwrap();
        assert_eq!(leases.len(), 20);
        assert_eq!(leases[0]["state"], "code_received", "the open lease comes first");
        let texts: Vec<&str> = leases[0]["messages"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
        assert_eq!(texts, ["Telegram code 11223. Do not give it to anyone.", "Log in at https://t.me/login/55667 or enter 55667"]);
        let before = first["next_before"].as_i64().expect("a second page").to_string();
        let second = customer.call("my_numbers", &[("before", &before)]).await.json();
        let older = second["leases"].as_array().unwrap();
        assert_eq!(older.len(), 3, "23 leases in all");
        assert!(older.iter().all(|l| l["state"] == "cancelled" && l["id"] != theirs["id"]), "{second}");
        assert!(second["next_before"].is_null());
        // One platform's: 22 Google leases, then the Telegram one alone.
        assert_eq!(first["platforms"], serde_json::json!([["google", "Google"], ["telegram", "Telegram"]]), "the ones leased for, by name");
        let google = customer.call("my_numbers", &[("platform", "google")]).await.json();
        assert_eq!(google["leases"].as_array().unwrap().len(), 20);
        let before = google["next_before"].as_i64().unwrap().to_string();
        let rest = customer.call("my_numbers", &[("platform", "google"), ("before", &before)]).await.json();
        assert_eq!(rest["leases"].as_array().unwrap().len(), 2);
        let telegram = customer.call("my_numbers", &[("platform", "telegram")]).await.json();
        assert_eq!(telegram["leases"].as_array().unwrap().len(), 1);
        assert_eq!(telegram["leases"][0]["id"], leases[0]["id"]);
        assert_eq!(customer.call("my_numbers", &[("platform", "nope")]).await.json()["leases"], serde_json::json!([]));
        // One number's, written as people write it; a typo is told.
        let written = lease["number_display"].as_str().unwrap().to_string();
        let by_number = customer.call("my_numbers", &[("search", written.as_str())]).await.json();
        assert!(by_number["leases"].as_array().unwrap().iter().any(|l| l["id"] == leases[0]["id"]), "{by_number}");
        assert!(by_number["leases"].as_array().unwrap().iter().all(|l| l["number"] == lease["number"]), "{by_number}");
        let both = customer.call("my_numbers", &[("platform", "google"), ("search", written.as_str())]).await.json();
        assert!(both["leases"].as_array().unwrap().iter().all(|l| l["platform_slug"] == "google" && l["number"] == lease["number"]), "{both}");
        let typo = customer.call("my_numbers", &[("search", "555-01")]).await;
        assert_eq!(typo.status, 400);
        assert!(typo.body.contains("10 digits"), "{}", typo.body);
        assert_eq!(customer.call("my_numbers", &[("search", "+1 (312) 555-0199")]).await.json()["leases"], serde_json::json!([]));

        let page = customer.get("/numbers").await.body.replace("<!>", "");
        assert!(page.contains("2 messages") && page.contains("Log in at https://t.me/login/55667 or enter 55667"), "{page}");
        assert_eq!(page.matches(r#"data-testid="lease-history-row""#).count(), 20, "{page}");
        let get_number = customer.get("/get-number").await.body;
        assert!(get_number.contains(r#"href="/numbers""#), "linked from Get Number");
        // "Ask support" opens the ticket form with the lease chosen, also
        // one older than the form's list.
        assert!(page.contains(&format!(r#"href="/support?lease={}""#, leases[0]["id"])), "{page}");
        for lease in [&leases[0], &older[2]] {
            let id = lease["id"].as_i64().unwrap();
            let form = customer.get(&format!("/support?lease={id}")).await.body.replace("<!>", "");
            let chosen = form.split("<option").find(|o| o.contains(&format!(r#"value="{id}""#))).unwrap_or_else(|| panic!("{form}"));
            assert!(chosen.contains("selected"), "{chosen}");
        }

        let mut visitor = common::browser::Browser::new(&app.base);
        assert_eq!(visitor.call("my_numbers", &[]).await.status, 401);
        let page = visitor.get("/numbers").await.body.replace("<!>", "");
        assert!(page.contains("Sign in to see your numbers.") && !page.contains("55667"), "{page}");
    }

    /// A customer names a number ("work Telegram"), ended or open; the
    /// name shows in their lists and can be changed or removed. Bad input
    /// and another's lease change nothing.
    async fn customers_label_their_numbers(app: TestApp) {
        let (mut customer, _) = verified_customer(&app, "labeller", 500).await;
        let (mut stranger, _) = verified_customer(&app, "nosy", 500).await;
        let lease = confirm(&mut customer, "telegram", 120, "label-key-1").await.json();
        let id = lease["id"].as_i64().unwrap().to_string();
        assert_eq!(customer.call("lease_action", &[("lease_id", &id), ("action", "cancel")]).await.status, 200);
        let label_of = |history: serde_json::Value| history["leases"][0]["label"].clone();

        let answer = customer.call("label_lease", &[("lease_id", &id), ("label", "  work \t Telegram ")]).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(label_of(customer.call("my_numbers", &[]).await.json()), "work Telegram");
        let page = customer.get("/numbers").await.body.replace("<!>", "");
        assert!(page.contains(r#"class="lease-label">work Telegram<"#), "{page}");
        assert!(customer.get("/get-number").await.body.contains("work Telegram"), "in the recent numbers too");

        let long = customer.call("label_lease", &[("lease_id", &id), ("label", &"x".repeat(61))]).await;
        assert_eq!(long.status, 400);
        assert!(long.body.contains("at most 60 characters"), "{}", long.body);
        let theirs = stranger.call("label_lease", &[("lease_id", &id), ("label", "mine now")]).await;
        assert_eq!(theirs.status, 404, "{}", theirs.body);
        let visitor = common::browser::Browser::new(&app.base).call("label_lease", &[("lease_id", &id), ("label", "x")]).await;
        assert_eq!(visitor.status, 401);
        assert_eq!(label_of(customer.call("my_numbers", &[]).await.json()), "work Telegram", "unchanged");

        // The list is searched by a part of a label, whatever its case;
        // a wildcard is a plain character there.
        let other = confirm(&mut customer, "google", 100, "label-key-2").await.json();
        let other_id = other["id"].as_i64().unwrap().to_string();
        assert_eq!(customer.call("label_lease", &[("lease_id", &other_id), ("label", "50% off Google")]).await.status, 200);
        let found = |history: serde_json::Value| -> Vec<i64> { history["leases"].as_array().unwrap().iter().map(|l| l["id"].as_i64().unwrap()).collect() };
        let (first, second) = (lease["id"].as_i64().unwrap(), other["id"].as_i64().unwrap());
        assert_eq!(found(customer.call("my_numbers", &[("search", "TELEGRAM")]).await.json()), [first]);
        assert_eq!(found(customer.call("my_numbers", &[("search", "50%")]).await.json()), [second]);
        assert_eq!(found(customer.call("my_numbers", &[("search", "5_%")]).await.json()), Vec::<i64>::new());
        assert_eq!(found(customer.call("my_numbers", &[("search", "o")]).await.json()), [second, first]);
        assert_eq!(found(customer.call("my_numbers", &[("search", "o"), ("platform", "telegram")]).await.json()), [first]);
        assert_eq!(found(stranger.call("my_numbers", &[("search", "o")]).await.json()), Vec::<i64>::new(), "another's labels stay theirs");

        assert_eq!(customer.call("label_lease", &[("lease_id", &id), ("label", "old bank app")]).await.status, 200);
        assert_eq!(label_of(customer.call("my_numbers", &[("platform", "telegram")]).await.json()), "old bank app");
        // Support sees it on the customer's page, where a ticket sends them.
        let mut admin = common::signed_in_admin(&app, "label_reader").await;
        let public_id = customer.viewer().await["public_id"].as_str().unwrap().to_string();
        let record = admin.get(&format!("/admin/users/{public_id}")).await.body.replace("<!>", "");
        assert!(record.contains(r#"class="lease-label">old bank app<"#), "{record}");
        assert_eq!(customer.call("label_lease", &[("lease_id", &id), ("label", " ")]).await.status, 200);
        assert_eq!(label_of(customer.call("my_numbers", &[("platform", "telegram")]).await.json()), serde_json::Value::Null, "an empty label removes it");
    }

    /// A ticket about a lease shows the customer and support what the
    /// number received, so support answers without looking it up; the
    /// admin's page links to the customer. A ticket about nothing shows no lease.
    async fn a_ticket_shows_its_lease_and_the_texts(app: TestApp) {
        let (mut customer, user_id) = verified_customer(&app, "asker", 500).await;
        let mut admin = common::signed_in_admin(&app, "helper").await;
        let lease = confirm(&mut customer, "telegram", 120, "ticket-lease-key").await.json();
        let number_id: i64 = sqlx::query_scalar("SELECT id FROM numbers WHERE e164 = $1").bind(lease["number"].as_str().unwrap()).fetch_one(&app.db.pool).await.unwrap();
        let text = "Telegram code 44556. Do not give it to anyone.";
        let sms = leases::NewSms { number_id: Some(number_id), recipient: "", sender: "Telegram", body: text, code: Some("44556"), source: "test", source_message_id: "ticket-1" };
        leases::record_sms(&app.services(), sms).await.unwrap();
        let lease_id = lease["id"].as_i64().unwrap().to_string();
        let opened = customer.call("support/open", &[("subject", "Code refused"), ("message", "Telegram says it is wrong."), ("lease_id", &lease_id)]).await;
        assert_eq!(opened.status, 200, "{}", opened.body);
        let ticket = opened.body.trim().to_string();
        let plain = customer.call("support/open", &[("subject", "Another question"), ("message", "Do you have UK numbers?")]).await.body.trim().to_string();
        let public_id: String = sqlx::query_scalar("SELECT public_id FROM users WHERE id = $1").bind(user_id).fetch_one(&app.db.pool).await.unwrap();

        for (reader, thread_fn, page) in [(&mut customer, "support/thread", "/support"), (&mut admin, "admin/support_thread", "/admin/support")] {
            let thread = reader.call(thread_fn, &[("ticket_id", &ticket)]).await.json();
            assert_eq!(thread["lease"]["id"], lease["id"], "{thread}");
            assert_eq!(thread["lease"]["state"], "code_received");
            assert_eq!(thread["lease"]["messages"][0]["body"], text);
            let html = reader.get(&format!("{page}/{ticket}")).await.body.replace("<!>", "");
            assert!(html.contains(r#"data-testid="ticket-about""#) && html.contains(text) && html.contains(lease["number_display"].as_str().unwrap()), "{html}");
            assert!(html.contains("Code received (44556)"), "{html}");
            let without = reader.call(thread_fn, &[("ticket_id", &plain)]).await.json();
            assert!(without["lease"].is_null(), "{without}");
            let html = reader.get(&format!("{page}/{plain}")).await.body;
            assert!(!html.contains(r#"data-testid="ticket-about""#), "{html}");
        }
        let html = admin.get(&format!("/admin/support/{ticket}")).await.body;
        assert!(html.contains(&format!(r#"href="/admin/users/{public_id}""#)), "{html}");
        let inbox = admin.get("/admin/support").await.body;
        assert!(inbox.contains(&format!(r#"href="/admin/users/{public_id}""#)), "{inbox}");
        assert_eq!(admin.call("admin/support_tickets", &[("status", "open")]).await.json()["tickets"][0]["customer"], serde_json::json!({"public_id": public_id, "username": "asker"}));
        // The customer's user page lists both tickets, and its "Recharge…"
        // opens the wallets page with the customer filled in.
        let detail = admin.call("admin/user", &[("public_id", &public_id)]).await.json();
        let subjects: Vec<&str> = detail["tickets"].as_array().unwrap().iter().map(|t| t["subject"].as_str().unwrap()).collect();
        assert_eq!(subjects.len(), 2, "{detail}");
        assert!(subjects.contains(&"Code refused") && subjects.contains(&"Another question"), "{detail}");
        let user_page = admin.get(&format!("/admin/users/{public_id}")).await.body.replace("<!>", "");
        assert!(user_page.contains(&format!(r#"href="/admin/support/{ticket}""#)) && user_page.contains(&format!("lease #{lease_id}")), "{user_page}");
        assert!(user_page.contains(&format!(r#"href="/admin/wallets?user={public_id}""#)), "{user_page}");
        let wallets = admin.get(&format!("/admin/wallets?user={public_id}")).await.body;
        assert_eq!(wallets.matches(&format!(r#"value="{public_id}""#)).count(), 2, "recharge and correction: {wallets}");
    }

    /// The support inbox finds a ticket by its subject or a message, by
    /// its customer (user ID, part of username or email), or by the number
    /// it is about, written as customers write it; the status still holds.
    async fn the_support_inbox_finds_tickets(app: TestApp) {
        let (mut customer, user_id) = verified_customer(&app, "finder_customer", 500).await;
        let (mut other, other_id) = verified_customer(&app, "someone_else", 0).await;
        let admin = common::signed_in_admin(&app, "inbox_admin").await;
        let lease = confirm(&mut customer, "telegram", 120, "inbox-lease-key").await.json();
        let lease_id = lease["id"].as_i64().unwrap().to_string();
        let about = customer.call("support/open", &[("subject", "Code refused"), ("message", "Telegram says 100% wrong."), ("lease_id", &lease_id)]).await.body.trim().to_string();
        let plain = customer.call("support/open", &[("subject", "UK numbers?"), ("message", "Do you sell British ones?")]).await.body.trim().to_string();
        let theirs = other.call("support/open", &[("subject", "Refund please"), ("message", "My code never came.")]).await.body.trim().to_string();
        let public_id: String = sqlx::query_scalar("SELECT public_id FROM users WHERE id = $1").bind(user_id).fetch_one(&app.db.pool).await.unwrap();
        let number = lease["number"].as_str().unwrap();
        let found = |status: &'static str, search: String| {
            let mut admin = admin.clone();
            async move {
                let answer = admin.call("admin/support_tickets", &[("status", status), ("search", &search)]).await;
                assert_eq!(answer.status, 200, "{search}: {}", answer.body);
                let mut ids: Vec<String> = answer.json()["tickets"].as_array().unwrap().iter().map(|t| t["id"].to_string()).collect();
                ids.sort();
                ids
            }
        };
        let sorted = |mut ids: Vec<&String>| {
            ids.sort();
            ids.into_iter().cloned().collect::<Vec<String>>()
        };
        assert_eq!(found("open", String::new()).await, sorted(vec![&about, &plain, &theirs]));
        assert_eq!(found("open", " code REFUSED ".into()).await, vec![about.clone()], "subject, any case");
        assert_eq!(found("open", "british".into()).await, vec![plain.clone()], "a message");
        assert_eq!(found("open", "100%".into()).await, vec![about.clone()], "% is a character");
        assert_eq!(found("open", "_".into()).await, sorted(vec![&about, &plain, &theirs]), "_ is a character (in the usernames)");
        assert_eq!(found("open", public_id.to_lowercase()).await, sorted(vec![&about, &plain]), "the customer's user ID");
        assert_eq!(found("open", "finder_".into()).await, sorted(vec![&about, &plain]), "part of the username");
        assert_eq!(found("open", "someone_else@".into()).await, vec![theirs.clone()], "part of the email");
        assert_eq!(found("open", lease["number_display"].as_str().unwrap().to_string()).await, vec![about.clone()], "the number as shown");
        assert_eq!(found("open", number.trim_start_matches("+1").to_string()).await, vec![about.clone()], "the number without +1");
        assert_eq!(found("open", "nothing like it".into()).await, Vec::<String>::new());
        assert!(admin.clone().call("admin/support_close", &[("ticket_id", &plain)]).await.status < 400);
        assert_eq!(found("open", "finder_".into()).await, vec![about.clone()], "open ones only");
        assert_eq!(found("closed", "finder_".into()).await, vec![plain.clone()]);
        // The last updated first; "more" says older ones match too. The
        // customer's reply to `about` makes it the last updated.
        assert!(customer.call("support/reply", &[("ticket_id", &about), ("message", "Still wrong.")]).await.status < 400);
        let inbox = |shown: &'static str| {
            let mut admin = admin.clone();
            async move { admin.call("admin/support_tickets", &[("status", "all"), ("search", "finder_"), ("shown", shown)]).await }
        };
        let first = inbox("1").await.json();
        assert_eq!((first["tickets"].as_array().unwrap().len(), first["tickets"][0]["id"].to_string(), &first["more"]), (1, about.clone(), &serde_json::json!(true)), "{first}");
        let both = inbox("2").await.json();
        assert_eq!(both["tickets"].as_array().unwrap().len(), 2, "{both}");
        assert_eq!(both["more"], false, "{both}");
        for wrong in ["0", "1001"] {
            let refused = inbox(wrong).await;
            assert_eq!(refused.status, 400, "{wrong}");
            assert!(refused.body.contains("Show 1 to 1000 tickets at once"), "{}", refused.body);
        }
        // Past a page of old tickets, the inbox page offers the next.
        for n in 0..INBOX_PAGE {
            sqlx::query("INSERT INTO support_tickets (user_id, subject, status, created_at, updated_at, customer_read_at) VALUES ($1, $2, 'open', $3, $3, $3)")
                .bind(other_id)
                .bind(format!("Old question {n}"))
                .bind(i64::from(n) + 1)
                .execute(&app.db.pool)
                .await
                .unwrap();
        }
        let page = admin.clone().get("/admin/support").await.body.replace("<!>", "");
        assert!(page.contains("The 200 last updated, unread first.") && page.contains("Show 200 more"), "{page}");
        let all = admin.clone().call("admin/support_tickets", &[("status", "open"), ("shown", "1000")]).await.json();
        assert_eq!((all["tickets"].as_array().unwrap().len(), &all["more"]), (INBOX_PAGE as usize + 2, &serde_json::json!(false)));
        let too_long = admin.clone().call("admin/support_tickets", &[("status", "open"), ("search", &"a".repeat(101))]).await;
        assert_eq!(too_long.status, 400);
        assert!(too_long.body.contains("at most 100 characters"), "{}", too_long.body);
        assert_eq!(customer.call("admin/support_tickets", &[("status", "open"), ("search", "")]).await.status, 403);
    }

    backend_tests!(a_customer_reads_every_lease_and_its_messages, customers_label_their_numbers, a_ticket_shows_its_lease_and_the_texts, the_support_inbox_finds_tickets);
}
