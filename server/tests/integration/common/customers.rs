//! Customers for tests: verified, funded, renting.
use app::domain::{EntryKind, Money};
use app::services::ledger;

use super::{browser::{Answer, Browser}, signed_up, TestApp};

/// A signed-up customer with a verified email and `funds_cents` in the
/// wallet; returns their browser and user id.
pub async fn verified_customer(app: &TestApp, username: &str, funds_cents: i64) -> (Browser, i64) {
    let mut browser = signed_up(app, username).await;
    let code = app.last_mailed_code(&format!("{username}@example.com")).await;
    assert!(browser.call("verify_email", &[("code", &code)]).await.status < 400);
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1").bind(username).fetch_one(&app.db.pool).await.unwrap();
    if funds_cents > 0 {
        let svc = app.services();
        let key = format!("fund-{username}");
        let posting = ledger::Posting {
            user_id,
            kind: EntryKind::TopUp,
            amount: Money::from_cents(funds_cents),
            lease_id: None,
            actor_user_id: None,
            note: "test funds",
            idempotency_key: &key,
        };
        ledger::post(&svc, &posting).await.unwrap();
    }
    (browser, user_id)
}

pub async fn confirm(browser: &mut Browser, platform: &str, price: i64, key: &str) -> Answer {
    browser.call("confirm_lease", &[("platform", platform), ("price_cents", &price.to_string()), ("idempotency_key", key)]).await
}

pub async fn balance(app: &TestApp, user_id: i64) -> i64 {
    ledger::balance(&app.db, user_id).await.unwrap().cents()
}

pub async fn refunds_of(app: &TestApp, lease_id: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries WHERE lease_id = $1 AND kind = 'refund'")
        .bind(lease_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

