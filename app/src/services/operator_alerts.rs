//! Mail to the operators about the service itself rather than a
//! customer: a supplier's balance running low. An alert is mailed once
//! while it holds, however many instances notice it (`operator_alerts`
//! keeps those that hold), and again after it cleared.
use super::{
    mailer::{admin_addresses, link_to, Mail},
    Services,
};
use crate::{domain::Money, error::AppError};

/// Raises or clears supplier `upstream`'s low-balance alert from the
/// balance it just reported; returns whether mail was queued.
pub async fn supplier_balance(svc: &Services, upstream: &str, balance: Money, threshold: Money) -> Result<bool, AppError> {
    let alert = format!("upstream_low_balance:{upstream}");
    if balance >= threshold {
        sqlx::query("DELETE FROM operator_alerts WHERE alert = $1").bind(&alert).execute(&svc.db.pool).await?;
        return Ok(false);
    }
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let raised = sqlx::query("INSERT INTO operator_alerts (alert, raised_at) VALUES ($1, $2) ON CONFLICT (alert) DO NOTHING")
        .bind(&alert)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if raised == 0 {
        return Ok(false); // mailed when it fell low
    }
    let admins = admin_addresses(&mut tx, false).await?;
    let body = format!(
        "The balance at supplier {upstream} is {balance}, below its alert level of {threshold}.\n\n\
         Numbers from {upstream} stop when the balance runs out: customers then get numbers from the other sources, or none. \
         Top it up at the supplier; the admin console's Supply page shows the balance{link}.\n\n\
         This mail comes once until the balance is back at {threshold} or more.\n",
        link = link_to(svc, "/admin/supply"),
    );
    for to in &admins {
        let mail = Mail::notice(to, format!("Supplier {upstream}: balance low ({balance})"), body.clone(), now);
        svc.mailer.enqueue(&mut tx, now, &mail).await?;
    }
    tx.commit().await?;
    if !admins.is_empty() {
        svc.mailer.wake();
    }
    Ok(!admins.is_empty())
}
