//! Customers turned away: confirmations no source had a number for.
//! Each is kept a week for the Supply page, and the admins are mailed
//! (see `operator_alerts::turned_away`). No customer is named in them.
use super::clock::DAY_MS;
use super::{operator_alerts, Services};
use crate::{error::AppError, number_pool::Shortage};

/// How long a refusal is kept: the Supply page counts the last week.
pub const KEPT_FOR_MS: i64 = 7 * DAY_MS;

/// Records that a customer was refused a number for a platform. The
/// refusal stands whatever happens here, so a failure is only logged.
pub async fn turned_away(svc: &Services, platform_id: i64, slug: &str, name: &str, reason: &str) {
    let recorded = async {
        sqlx::query("INSERT INTO lease_refusals (platform_id, at, reason) VALUES ($1, $2, $3)")
            .bind(platform_id)
            .bind(svc.now())
            .bind(reason)
            .execute(&svc.db.pool)
            .await?;
        operator_alerts::turned_away(svc, slug, name, reason).await
    };
    if let Err(e) = recorded.await {
        tracing::warn!(platform = slug, error = %e, "a customer turned away was not recorded");
    }
}

/// The platforms customers were turned away from in the last week, the
/// latest first.
pub async fn recent(svc: &Services) -> Result<Vec<Shortage>, AppError> {
    let now = svc.now();
    let rows: Vec<(String, i64, i64, i64, String)> = sqlx::query_as(
        "SELECT p.name, SUM(CASE WHEN r.at >= $1 THEN 1 ELSE 0 END), COUNT(*), MAX(r.at), \
           (SELECT r2.reason FROM lease_refusals r2 WHERE r2.platform_id = r.platform_id ORDER BY r2.id DESC LIMIT 1) \
         FROM lease_refusals r JOIN platforms p ON p.id = r.platform_id \
         WHERE r.at >= $2 GROUP BY r.platform_id, p.name ORDER BY MAX(r.at) DESC",
    )
    .bind(now - DAY_MS)
    .bind(now - KEPT_FOR_MS)
    .fetch_all(&svc.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(platform, last_day, last_week, last_at, reason)| Shortage { platform, last_day, last_week, last_at, reason })
        .collect())
}

/// Customers turned away in the last 24 hours, all platforms together
/// (the sum of the Supply page's first column).
pub async fn last_day_count(svc: &Services) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM lease_refusals WHERE at >= $1").bind(svc.now() - DAY_MS).fetch_one(&svc.db.pool).await
}

/// Forgets refusals older than a week; returns how many went.
pub async fn purge(svc: &Services) -> Result<u64, sqlx::Error> {
    let cutoff = svc.now() - KEPT_FOR_MS;
    Ok(sqlx::query("DELETE FROM lease_refusals WHERE at < $1").bind(cutoff).execute(&svc.db.pool).await?.rows_affected())
}
