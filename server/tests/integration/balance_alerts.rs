//! "Low-balance email": a customer names a threshold and is mailed once
//! each time the balance falls below it.
use app::{
    domain::{EntryKind, Money},
    services::{balance_alerts, ledger},
};

use crate::common::{self, browser::Browser, customers::{balance, confirm}, smtp_sink::SmtpSink, Backend, TestApp};

per_backend_tests!(a_customer_is_mailed_once_each_time_the_balance_falls_below_their_threshold);

async fn post(app: &TestApp, user_id: i64, kind: EntryKind, cents: i64, key: &str) {
    let posting = ledger::Posting {
        user_id,
        kind,
        amount: Money::from_cents(cents),
        lease_id: None,
        actor_user_id: None,
        note: "test",
        idempotency_key: key,
    };
    ledger::post(&app.services(), &posting).await.unwrap();
}

/// Rents Telegram ($1.20) and cancels at once, or keeps it.
async fn rent(customer: &mut Browser, key: &str, cancel: bool) {
    let lease = confirm(customer, "telegram", 120, key).await;
    assert_eq!(lease.status, 200, "{}", lease.body);
    if cancel {
        let id = lease.json()["id"].as_i64().unwrap().to_string();
        assert_eq!(customer.call("lease_action", &[("lease_id", &id), ("action", "cancel")]).await.status, 200);
    }
}

/// $5.00 in the wallet and a $4.00 threshold. A rental takes it to $3.80:
/// one mail, through the SMTP server. Its cancel's refund goes back over
/// and the next rental under again: no second mail (a refund does not
/// watch again). A top-up taken back under again (an admin's correction)
/// before the worker looked brings the second. Set while already under, it waits for a top-up;
/// cleared, nothing is kept. Bad amounts and unverified customers are
/// refused and change nothing; visitors get 401.
async fn a_customer_is_mailed_once_each_time_the_balance_falls_below_their_threshold(backend: Backend) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let Some(app) = common::spawn_app_with(backend, |c| c.smtp_url = Some(url)).await else { return };
    let svc = app.services();
    let mut customer = common::signed_up(&app, "thrifty").await;
    let verification = sink.wait_for("thrifty@example.com").await;
    let code = common::extract_code(verification.data.split("\n\n").nth(1).unwrap_or(&verification.data));
    assert!(customer.call("verify_email", &[("code", &code)]).await.status < 400);
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'thrifty'").fetch_one(&app.db.pool).await.unwrap();
    let alerts = || async { sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM balance_alerts").fetch_one(&app.db.pool).await.unwrap() };

    let mut unverified = common::signed_up(&app, "unverified_thrifty").await;
    let refused = unverified.call("set_balance_alert", &[("amount", "5")]).await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("Verify your email"), "{}", refused.body);
    for (bad, why) in [("0", "above zero"), ("1000.01", "up to $1,000.00"), ("five", "like 5"), ("2.555", "two decimals")] {
        let answer = customer.call("set_balance_alert", &[("amount", bad)]).await;
        assert_eq!(answer.status, 400, "{bad}");
        assert!(answer.body.contains(why), "{bad}: {}", answer.body);
    }
    assert_eq!(Browser::new(&app.base).call("set_balance_alert", &[("amount", "5")]).await.status, 401);
    assert_eq!(alerts().await, 0, "nothing refused was kept");

    post(&app, user_id, EntryKind::TopUp, 500, "thrifty-fund-1").await;
    let set = customer.call("set_balance_alert", &[("amount", "$4")]).await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(customer.call("my_wallet", &[]).await.json()["balance_alert"], 400);
    assert_eq!(balance_alerts::notify(&svc).await.unwrap(), 0, "$5.00 is not under $4.00");

    rent(&mut customer, "thrifty-rent-1", false).await;
    assert_eq!(balance(&app, user_id).await, 380);
    assert_eq!(balance_alerts::notify(&svc).await.unwrap(), 1);
    crate::eventually!("the mail arrives", sink.received("thrifty@example.com") == 2);
    let mail = sink.mails_to("thrifty@example.com").pop().unwrap();
    assert!(mail.data.contains("below $4.00"), "{}", mail.data);
    let text = mail.text();
    assert!(text.contains("Your US Num Hub balance is $3.80, below the $4.00 you asked us to watch.") && text.contains("UN-"), "{text}");
    assert_eq!(balance_alerts::notify(&svc).await.unwrap(), 0, "once per fall");

    // The open lease cancelled (refund: $5.00, over), rented and cancelled
    // again: the balance bounces around $4.00 with no second mail.
    let open = customer.call("my_leases", &[]).await.json()["open"]["id"].as_i64().unwrap().to_string();
    assert_eq!(customer.call("lease_action", &[("lease_id", &open), ("action", "cancel")]).await.status, 200);
    rent(&mut customer, "thrifty-rent-2", true).await;
    rent(&mut customer, "thrifty-rent-3", false).await;
    assert_eq!(balance_alerts::notify(&svc).await.unwrap(), 0, "a refund does not watch again");

    // A top-up takes it to $4.80, an admin's correction to $3.60 before
    // the worker looks.
    post(&app, user_id, EntryKind::TopUp, 100, "thrifty-fund-2").await;
    post(&app, user_id, EntryKind::AdminAdjustment, -120, "thrifty-correction").await;
    assert_eq!(balance(&app, user_id).await, 360);
    assert_eq!(balance_alerts::notify(&svc).await.unwrap(), 1, "the top-up watched it again");
    crate::eventually!("the second mail arrives", sink.received("thrifty@example.com") == 3);
    assert!(sink.mails_to("thrifty@example.com").pop().unwrap().text().contains("balance is $3.60"));

    // Raised above today's balance: counted as told until a top-up.
    assert_eq!(customer.call("set_balance_alert", &[("amount", "10")]).await.status, 200);
    assert_eq!(balance_alerts::notify(&svc).await.unwrap(), 0);
    let export = customer.get("/account/export").await.json();
    assert_eq!(export["balance_alert_cents"], 1000, "{export}");

    assert_eq!(customer.call("set_balance_alert", &[("amount", "")]).await.status, 200);
    assert!(customer.call("my_wallet", &[]).await.json()["balance_alert"].is_null());
    assert_eq!(alerts().await, 0);
    assert_eq!(sink.received("unverified_thrifty@example.com"), 1, "only the verification code");
}
