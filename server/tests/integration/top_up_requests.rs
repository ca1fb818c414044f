//! Top-up requests: a customer states the amount they are sending; the
//! admins credit it from their list through the usual top-up.
use crate::common;

use common::Backend;

per_backend_tests!(
    a_request_is_credited_from_the_admins_list,
    requests_are_replaced_withdrawn_and_dismissed,
    a_recharge_typed_by_hand_answers_a_request_of_its_amount,
    a_request_left_open_expires
);

async fn open_requests(admin: &mut common::browser::Browser) -> Vec<serde_json::Value> {
    admin.call("admin/top_up_requests", &[]).await.json().as_array().unwrap().clone()
}

async fn a_request_is_credited_from_the_admins_list(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else { return };
    let mut admin = common::signed_in_admin(&app, "request_admin").await;
    let (mut customer, user_id) = common::customers::verified_customer(&app, "requester", 0).await;

    // Bad input gets the amount's own message and lists nothing.
    let refused = customer.call("request_top_up", &[("amount", "12,50")]).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("12,50") || refused.body.contains("comma") || refused.body.contains("amount"), "{}", refused.body);
    assert!(open_requests(&mut admin).await.is_empty());

    let made = customer.call("request_top_up", &[("amount", "10")]).await;
    assert_eq!(made.status, 200, "{}", made.body);
    assert_eq!(made.json()["status"], "pending");
    assert_eq!(customer.call("my_wallet", &[]).await.json()["top_up_request"]["status"], "pending");
    let listed = open_requests(&mut admin).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(admin.call("admin/open_top_up_requests", &[]).await.body.trim(), "1", "the admin menu's badge");
    assert_eq!(listed[0]["username"], "requester");
    assert_eq!(listed[0]["amount"], 1000);
    let id = listed[0]["id"].to_string();

    // "Review" fills the confirmation from the request.
    let offer = admin.call("admin/prepare_top_up", &[("request_id", &id)]).await;
    assert_eq!(offer.status, 200, "{}", offer.body);
    let offer = offer.json();
    assert_eq!((offer["user"]["username"].as_str(), offer["amount"].as_i64()), (Some("requester"), Some(1000)));
    assert_eq!(offer["request_id"].to_string(), id);
    let confirm = [
        ("public_id", offer["user"]["public_id"].as_str().unwrap()),
        ("amount", "10.00"),
        ("note", "WhatsApp transfer"),
        ("idempotency_key", offer["idempotency_key"].as_str().unwrap()),
        ("request_id", id.as_str()),
    ];
    for _ in 0..2 {
        let done = admin.call("admin/top_up", &confirm).await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert_eq!(done.json(), 1000, "a retry credits once");
    }
    assert_eq!(common::customers::balance(&app, user_id).await, 1000);
    assert!(open_requests(&mut admin).await.is_empty(), "credited requests leave the list");
    let shown = customer.call("my_wallet", &[]).await.json();
    assert_eq!(shown["top_up_request"]["status"], "credited");
    let linked: Option<i64> = sqlx::query_scalar("SELECT ledger_entry_id FROM top_up_requests WHERE id = $1")
        .bind(id.parse::<i64>().unwrap())
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let entry: i64 = sqlx::query_scalar("SELECT id FROM ledger_entries WHERE user_id = $1").bind(user_id).fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(linked, Some(entry), "the request names its ledger entry");
    // A credited request cannot be reviewed again.
    let again = admin.call("admin/prepare_top_up", &[("request_id", &id)]).await;
    assert!(again.status == 400 && again.body.contains("no longer open"), "{}", again.body);
    // Customers do not see the admins' list.
    assert_eq!(customer.call("admin/top_up_requests", &[]).await.status, 403);
}

async fn requests_are_replaced_withdrawn_and_dismissed(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else { return };
    let mut admin = common::signed_in_admin(&app, "dismissing_admin").await;
    let (mut customer, user_id) = common::customers::verified_customer(&app, "changer", 0).await;
    let pending = || async {
        sqlx::query_as::<_, (i64, i64)>("SELECT id, amount_cents FROM top_up_requests WHERE user_id = $1 AND status = 'pending'")
            .bind(user_id)
            .fetch_all(&app.db.pool)
            .await
            .unwrap()
    };
    // A new amount replaces the open request, even when sent at once.
    let mut second_tab = common::browser::Browser::new(&app.base);
    assert!(second_tab.call("sign_in", &[("login", "changer"), ("password", common::PASSWORD)]).await.status < 400);
    let (a, b) = tokio::join!(customer.call("request_top_up", &[("amount", "5")]), second_tab.call("request_top_up", &[("amount", "7")]));
    assert_eq!((a.status, b.status), (200, 200), "{} {}", a.body, b.body);
    assert_eq!(pending().await.len(), 1);
    customer.call("request_top_up", &[("amount", "8.25")]).await;
    assert_eq!(pending().await.iter().map(|r| r.1).collect::<Vec<_>>(), [825]);

    // Withdrawn: off the list and off the Wallet page.
    assert_eq!(customer.call("withdraw_top_up_request", &[]).await.status, 200);
    assert!(pending().await.is_empty());
    assert!(customer.call("my_wallet", &[]).await.json()["top_up_request"].is_null());

    // Dismissed by an admin: the customer sees it closed; audited once.
    let id = customer.call("request_top_up", &[("amount", "9")]).await.json()["id"].to_string();
    assert_eq!(customer.call("admin/dismiss_top_up_request", &[("request_id", &id)]).await.status, 403);
    assert!(admin.call("admin/dismiss_top_up_request", &[("request_id", &id)]).await.status < 400);
    assert_eq!(customer.call("my_wallet", &[]).await.json()["top_up_request"]["status"], "dismissed");
    let told: Vec<(String, String)> = sqlx::query_as("SELECT subject, body FROM dev_outbox WHERE to_addr = 'changer@example.com' AND subject LIKE '%top-up request%'")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].0, "Your $9.00 top-up request was closed");
    assert!(told[0].1.contains("If you paid, write to us"), "{}", told[0].1);
    let twice = admin.call("admin/dismiss_top_up_request", &[("request_id", &id)]).await;
    assert!(twice.status == 400 && twice.body.contains("no longer open"), "{}", twice.body);
    let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admin_audit WHERE action = 'top_up_request.dismiss'").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(audited, 1);
    assert_eq!(common::customers::balance(&app, user_id).await, 0, "no money moved");

    // Deleting the account takes an open request off the list.
    customer.call("request_top_up", &[("amount", "4")]).await;
    let deleted = customer.call("delete_account", &[("password", common::PASSWORD), ("confirm", "yes")]).await;
    assert!(deleted.status < 400, "{}", deleted.body);
    assert!(open_requests(&mut admin).await.is_empty());
}

async fn prepare(admin: &mut common::browser::Browser, public_id: &str, amount: &str) -> serde_json::Value {
    admin.call("admin/prepare_top_up", &[("query", public_id), ("amount", amount), ("note", "ref 1")]).await.json()
}

async fn a_recharge_typed_by_hand_answers_a_request_of_its_amount(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else { return };
    let mut admin = common::signed_in_admin(&app, "typing_admin").await;
    let (mut customer, user_id) = common::customers::verified_customer(&app, "asker", 0).await;
    customer.call("request_top_up", &[("amount", "15")]).await;
    let public_id = customer.call("my_wallet", &[]).await.json()["public_id"].as_str().unwrap().to_string();

    // Another amount leaves the request open and says so.
    let other = prepare(&mut admin, &public_id, "5").await;
    assert!(other["request_id"].is_null(), "{other}");
    assert_eq!(other["other_request"], 1500, "{other}");
    let credited = admin
        .call(
            "admin/top_up",
            &[("public_id", public_id.as_str()), ("amount", "5"), ("note", "ref 1"), ("idempotency_key", other["idempotency_key"].as_str().unwrap())],
        )
        .await;
    assert_eq!(credited.status, 200, "{}", credited.body);
    assert_eq!(open_requests(&mut admin).await.len(), 1, "still open");

    // The requested amount, typed by hand, answers it like "Fill in".
    let same = prepare(&mut admin, &public_id, "15.00").await;
    assert!(same["other_request"].is_null(), "{same}");
    let id = same["request_id"].to_string();
    let done = admin
        .call(
            "admin/top_up",
            &[
                ("public_id", public_id.as_str()),
                ("amount", "15.00"),
                ("note", "ref 2"),
                ("idempotency_key", same["idempotency_key"].as_str().unwrap()),
                ("request_id", id.as_str()),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(common::customers::balance(&app, user_id).await, 2000);
    assert!(open_requests(&mut admin).await.is_empty());
    assert_eq!(customer.call("my_wallet", &[]).await.json()["top_up_request"]["status"], "credited");

    // Without an open request there is nothing to name.
    let none = prepare(&mut admin, &public_id, "1").await;
    assert!(none["request_id"].is_null() && none["other_request"].is_null(), "{none}");
}

async fn a_request_left_open_expires(backend: Backend) {
    let Some((app, clock)) = common::spawn_app_with_clock(backend).await else { return };
    let (mut customer, _) = common::customers::verified_customer(&app, "forgetful", 0).await;
    customer.call("request_top_up", &[("amount", "6")]).await;
    let svc = app.services();
    let day = 24 * 3_600_000;
    clock.advance_millis(app::top_up_requests::OPEN_FOR_DAYS * day - 60_000);
    assert_eq!(app::services::top_up_requests::expire_stale(&svc).await.unwrap(), 0, "not yet");

    clock.advance_millis(120_000);
    assert_eq!(app::services::top_up_requests::expire_stale(&svc).await.unwrap(), 1);
    // Signed in afresh: two weeks outlast a session.
    let mut admin = common::signed_in_admin(&app, "waiting_admin").await;
    let mut customer = common::browser::Browser::new(&app.base);
    assert!(customer.call("sign_in", &[("login", "forgetful"), ("password", common::PASSWORD)]).await.status < 400);
    assert!(open_requests(&mut admin).await.is_empty(), "off the admins' list");
    let shown = customer.call("my_wallet", &[]).await.json();
    assert_eq!(shown["top_up_request"]["status"], "expired", "{shown}");
    let page = customer.get("/wallet").await.body;
    // Text as the reader sees it: without the hydration markers.
    assert!(page.replace("<!>", "").contains("expired: no payment was credited within 14 days"), "{page}");
    let id = shown["top_up_request"]["id"].to_string();
    let late = admin.call("admin/prepare_top_up", &[("request_id", &id)]).await;
    assert!(late.status == 400 && late.body.contains("no longer open"), "{}", late.body);
    // A new request starts afresh.
    assert_eq!(customer.call("request_top_up", &[("amount", "6")]).await.json()["status"], "pending");
    assert_eq!(open_requests(&mut admin).await.len(), 1);
}
