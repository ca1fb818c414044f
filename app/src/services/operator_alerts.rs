//! Mail to the operators about the service itself rather than a
//! customer: a supplier's balance running low, customers turned away for
//! want of numbers, a gateway phone gone silent. An alert is mailed once while it holds, however many
//! instances notice it (`operator_alerts` keeps those that hold), and
//! again after it cleared or, for alerts nothing clears, after a quiet
//! interval.
use super::clock::HOUR_MS;
use super::{
    mailer::{admin_addresses, link_to, Mail},
    Services,
};
use crate::{domain::Money, error::AppError};

/// How often the admins hear that customers are still turned away for a
/// platform: nothing marks the end of a shortage, so it is mailed again
/// after this long rather than once.
pub const TURNED_AWAY_REMIND_MS: i64 = 6 * HOUR_MS;

/// Raises or clears supplier `upstream`'s low-balance alert from the
/// balance it just reported; returns whether mail was queued.
pub async fn supplier_balance(svc: &Services, upstream: &str, balance: Money, threshold: Money) -> Result<bool, AppError> {
    let alert = format!("upstream_low_balance:{upstream}");
    if balance >= threshold {
        return clear(svc, &alert).await;
    }
    let body = format!(
        "The balance at supplier {upstream} is {balance}, below its alert level of {threshold}.\n\n\
         Numbers from {upstream} stop when the balance runs out: customers then get numbers from the other sources, or none. \
         Top it up at the supplier; the admin console's Supply page shows the balance{link}.\n\n\
         This mail comes once until the balance is back at {threshold} or more.\n",
        link = link_to(svc, "/admin/supply"),
    );
    raise(svc, &alert, None, format!("Supplier {upstream}: balance low ({balance})"), body).await
}

/// A customer was refused a number for `platform` (its display name)
/// because no source had one; `reason` says what each source answered.
pub async fn turned_away(svc: &Services, slug: &str, platform: &str, reason: &str) -> Result<bool, AppError> {
    let body = format!(
        "A customer asked for a {platform} number and was turned away: {reason}. Nothing was charged.\n\n\
         Add numbers to the pool, or top up or fix a supplier that sells {platform}; the admin console's Supply page counts the customers turned away{link}.\n\n\
         While customers are still turned away, this mail comes again every {hours} hours.\n",
        link = link_to(svc, "/admin/supply"),
        hours = TURNED_AWAY_REMIND_MS / HOUR_MS,
    );
    raise(svc, &format!("turned_away:{slug}"), Some(TURNED_AWAY_REMIND_MS), format!("Customers turned away: no {platform} number free"), body).await
}

/// Raises the alert of each Android gateway phone that pings but has
/// gone silent (its numbers get no new leases meanwhile) and clears those
/// heard from again; returns how many were mailed.
pub async fn silent_gateway_phones(svc: &Services) -> Result<usize, AppError> {
    let now = svc.now();
    let phones: Vec<(String, i64, i64)> =
        sqlx::query_as("SELECT device_id, last_seen_at, sends_pings FROM gateway_devices ORDER BY device_id").fetch_all(&svc.db.pool).await?;
    let mut mailed = 0;
    for (device, heard_at, pings) in phones {
        let alert = format!("gateway_silent:{device}");
        if !super::numbers::gateway_silent(pings == 1, heard_at, now) {
            clear(svc, &alert).await?;
            continue;
        }
        let since = crate::components::local_time::format_utc(heard_at);
        let body = format!(
            "The Android phone {device}, which receives SMS for numbers of the pool, has not been heard from since {since}.\n\n\
             Its numbers get no new leases until it is: check that it is on and online and that SMS Gateway for Android runs there. \
             The admin console's Supply page shows when each phone was last heard from{link}.\n\n\
             This mail comes once until the phone is heard from again.\n",
            link = link_to(svc, "/admin/supply"),
        );
        if raise(svc, &alert, None, format!("Gateway phone {device} is silent"), body).await? {
            mailed += 1;
        }
    }
    Ok(mailed)
}

/// Ends `alert`: the next time it holds, it is mailed again.
async fn clear(svc: &Services, alert: &str) -> Result<bool, AppError> {
    sqlx::query("DELETE FROM operator_alerts WHERE alert = $1").bind(alert).execute(&svc.db.pool).await?;
    Ok(false)
}

/// Marks `alert` raised and mails every admin, unless it was raised
/// already (less than `remind_after_ms` ago, when given); returns whether
/// mail was queued.
async fn raise(svc: &Services, alert: &str, remind_after_ms: Option<i64>, subject: String, body: String) -> Result<bool, AppError> {
    let now = svc.now();
    let raised_before = remind_after_ms.map_or(i64::MIN, |ms| now - ms);
    let mut tx = svc.db.begin_write().await?;
    // Inserted, or taken over when stale: in one statement, so two
    // instances noticing at once mail once.
    let raised = sqlx::query(
        "INSERT INTO operator_alerts (alert, raised_at) VALUES ($1, $2) \
         ON CONFLICT (alert) DO UPDATE SET raised_at = excluded.raised_at WHERE operator_alerts.raised_at < $3",
    )
    .bind(alert)
    .bind(now)
    .bind(raised_before)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if raised == 0 {
        return Ok(false); // mailed already
    }
    let admins = admin_addresses(&mut tx, false).await?;
    for to in &admins {
        svc.mailer.enqueue(&mut tx, now, &Mail::notice(to, subject.clone(), body.clone(), now)).await?;
    }
    tx.commit().await?;
    if !admins.is_empty() {
        svc.mailer.wake();
    }
    Ok(!admins.is_empty())
}
