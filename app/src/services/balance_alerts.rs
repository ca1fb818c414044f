//! "Email me when my balance falls below …": a customer (a reseller whose
//! API calls would start failing, most of all) names a threshold and is
//! mailed once each time the balance falls under it. A top-up that takes
//! the balance back to it watches it again; a refund does not, so a
//! balance going up and down around it with each lease mails once.
//!
//! Looked at by a worker, not by the ledger: a lease's debit pays no extra
//! query for it, and a mail a few seconds late is no loss.
use std::time::Duration;

use super::{ledger, mailer::{self, Mail}, Services};
use crate::{
    domain::{BalanceAlert, Email, EntryKind, Money},
    error::AppError,
};

/// How often balances are compared with their thresholds.
pub const CHECK_EVERY: Duration = Duration::from_secs(20);

/// The customer's threshold, if they asked for these mails.
pub async fn threshold_of(svc: &Services, user_id: i64) -> Result<Option<Money>, AppError> {
    let cents: Option<i64> = sqlx::query_scalar("SELECT threshold_cents FROM balance_alerts WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(&svc.db.pool)
        .await?;
    Ok(cents.map(Money::from_cents))
}

/// Sets the threshold, or with None stops the mails. Set while the
/// balance is already under it, it counts as told: the first mail comes
/// after a top-up and the next fall.
pub async fn set(svc: &Services, user_id: i64, email_verified: bool, alert: Option<BalanceAlert>) -> Result<(), AppError> {
    let Some(alert) = alert else {
        sqlx::query("DELETE FROM balance_alerts WHERE user_id = $1").bind(user_id).execute(&svc.db.pool).await?;
        return Ok(());
    };
    if !email_verified {
        return Err(AppError::Invalid("Verify your email first: that is where we would write.".into()));
    }
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let balance = ledger::balance_on(&mut *tx, user_id).await?;
    sqlx::query(
        "INSERT INTO balance_alerts (user_id, threshold_cents, mailed_at, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET threshold_cents = excluded.threshold_cents, mailed_at = excluded.mailed_at",
    )
    .bind(user_id)
    .bind(alert.threshold().cents())
    .bind(alert.is_low(balance).then_some(now))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Watches again the thresholds a top-up (or an admin's credit) reached
/// since their last mail, then mails each customer whose balance is under
/// a watched threshold, marking it in the mail's transaction so that two
/// instances never both mail. Returns how many mails were queued.
pub async fn notify(svc: &Services) -> Result<usize, AppError> {
    let now = svc.now();
    // The credit's own balance counts, not today's: a top-up spent below
    // the threshold again before this looked still brings a mail.
    sqlx::query(
        "UPDATE balance_alerts SET mailed_at = NULL WHERE mailed_at IS NOT NULL AND EXISTS (\
            SELECT 1 FROM ledger_entries e WHERE e.user_id = balance_alerts.user_id AND e.kind IN ($1, $2) \
            AND e.amount_cents > 0 AND e.created_at >= balance_alerts.mailed_at AND e.balance_after_cents >= balance_alerts.threshold_cents)",
    )
    .bind(EntryKind::TopUp.as_str())
    .bind(EntryKind::AdminAdjustment.as_str())
    .execute(&svc.db.pool)
    .await?;
    let due: Vec<Due> = sqlx::query_as(
        "SELECT a.user_id, a.threshold_cents, COALESCE(w.balance_cents, 0) AS balance_cents, u.public_id, u.email, u.email_verified_at, u.disabled_at \
         FROM balance_alerts a JOIN users u ON u.id = a.user_id LEFT JOIN wallets w ON w.user_id = a.user_id \
         WHERE a.mailed_at IS NULL AND COALESCE(w.balance_cents, 0) < a.threshold_cents",
    )
    .fetch_all(&svc.db.pool)
    .await?;
    let mut queued = 0;
    for Due { user_id, threshold_cents, balance_cents, public_id, email, email_verified_at, disabled_at } in due {
        let mut tx = svc.db.begin_write().await?;
        let taken = sqlx::query("UPDATE balance_alerts SET mailed_at = $1 WHERE user_id = $2 AND mailed_at IS NULL")
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let to = mailer::notice_address(&email, email_verified_at).filter(|_| taken == 1 && disabled_at.is_none());
        if let Some(to) = to {
            let low = Low { threshold: Money::from_cents(threshold_cents), balance: Money::from_cents(balance_cents), public_id: &public_id };
            if svc.mailer.enqueue_notice(&mut tx, now, &low_balance_mail(svc, &to, &low, now)).await? {
                queued += 1;
            }
        }
        tx.commit().await?;
    }
    if queued > 0 {
        svc.mailer.wake();
    }
    Ok(queued)
}

#[derive(sqlx::FromRow)]
struct Due {
    user_id: i64,
    threshold_cents: i64,
    balance_cents: i64,
    public_id: String,
    email: String,
    email_verified_at: Option<i64>,
    disabled_at: Option<i64>,
}

struct Low<'a> {
    threshold: Money,
    balance: Money,
    public_id: &'a str,
}

fn low_balance_mail<'a>(svc: &Services, to: &'a Email, low: &Low<'_>, now: i64) -> Mail<'a> {
    let body = format!(
        "Your {brand} balance is {balance}, below the {threshold} you asked us to watch.\n\n\
         To top up, send us your user ID {public_id} and the amount on WhatsApp: the Wallet page's \"Recharge via WhatsApp\" \
         button writes the message for you{link}\n\n\
         We write once each time the balance falls below {threshold}; after a top-up takes it back up, we watch it again. \
         To stop these mails, clear the amount under \"Low-balance email\" on the Wallet page.\n\n{brand}",
        brand = svc.brand,
        balance = low.balance,
        threshold = low.threshold,
        public_id = low.public_id,
        link = mailer::link_to(svc, "/wallet"),
    );
    Mail::notice(to, format!("Your {} balance is below {}", svc.brand, low.threshold), body, now)
}
