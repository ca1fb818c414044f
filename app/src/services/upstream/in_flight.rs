//! Purchases in flight. A row is written before a supplier is asked for a
//! number and removed with the purchase's record, or with the supplier's
//! clear refusal. A row older than any purchase can take means a server
//! stopped while the supplier answered, or the answer never came whole (a
//! timeout, a broken connection, a server error, an answer we cannot
//! read): the supplier may have sold a number that nothing here knows of,
//! so nothing will ever end it and it is paid for.
//! The SMS-Activate protocol family cannot list open activations
//! everywhere, so the operator is told instead (log and supply page).
use crate::services::clock::DAY_MS;
use sqlx::AnyConnection;

use super::super::Services;
use crate::{error::AppError, number_pool::InterruptedPurchase};

/// Interrupted purchases stay on the supply page this long.
pub const SHOWN_FOR_MS: i64 = 7 * DAY_MS;
/// And are forgotten after this long.
const KEPT_FOR_MS: i64 = 30 * DAY_MS;

/// Written before the supplier is asked; the attempt's id.
pub async fn begin(svc: &Services, upstream: &str, service: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO upstream_purchase_attempts (upstream, service, started_at) VALUES ($1, $2, $3) RETURNING id")
        .bind(upstream)
        .bind(service)
        .bind(svc.now())
        .fetch_one(&svc.db.pool)
        .await
}

/// Inside the transaction that records what the supplier sold.
pub async fn end_in(conn: &mut AnyConnection, attempt: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM upstream_purchase_attempts WHERE id = $1").bind(attempt).execute(conn).await?;
    Ok(())
}

/// The supplier sold nothing. Should this fail, the attempt is later
/// reported as interrupted: a false alarm, never a silent loss.
pub async fn end(svc: &Services, attempt: i64) {
    let ended = match svc.db.pool.acquire().await {
        Ok(mut conn) => end_in(&mut conn, attempt).await,
        Err(e) => Err(e),
    };
    if let Err(e) = ended {
        tracing::warn!(attempt, error = %e, "could not clear a finished upstream purchase attempt");
    }
}

/// Flags attempts older than any purchase can take (two of the slowest
/// supplier's timeouts and a margin) and logs each; when it flags one,
/// forgets those flagged a month before. Returns how many it flagged.
pub async fn flag_interrupted(svc: &Services) -> Result<usize, sqlx::Error> {
    let slowest = svc.upstreams.clients.iter().map(|c| c.settings.timeout_ms).max().unwrap_or(10_000);
    let now = svc.now();
    let before = now - i64::try_from(slowest.saturating_mul(2)).unwrap_or(i64::MAX / 2) - 5_000;
    // A read first: this runs every second and nearly always finds nothing.
    let stale: Vec<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT id, upstream, service, started_at FROM upstream_purchase_attempts WHERE interrupted_at IS NULL AND started_at < $1",
    )
    .bind(before)
    .fetch_all(&svc.db.pool)
    .await?;
    let mut flagged = 0;
    for (id, upstream, service, started_at) in stale {
        let done = sqlx::query("UPDATE upstream_purchase_attempts SET interrupted_at = $1 WHERE id = $2 AND interrupted_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&svc.db.pool)
            .await?
            .rows_affected();
        if done > 0 {
            flagged += 1;
            tracing::error!(
                upstream,
                service,
                started_at,
                "a purchase was interrupted while the supplier answered: check the supplier's account for an activation we do not know and cancel it there"
            );
        }
    }
    if flagged > 0 {
        sqlx::query("DELETE FROM upstream_purchase_attempts WHERE interrupted_at < $1").bind(now - KEPT_FOR_MS).execute(&svc.db.pool).await?;
    }
    Ok(flagged)
}

/// Interrupted purchases from `upstream` of the last week not yet
/// checked, newest first.
pub async fn recently_interrupted(svc: &Services, upstream: &str) -> Result<Vec<InterruptedPurchase>, sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, started_at FROM upstream_purchase_attempts \
         WHERE upstream = $1 AND interrupted_at IS NOT NULL AND started_at >= $2 ORDER BY started_at DESC LIMIT 20",
    )
    .bind(upstream)
    .bind(svc.now() - SHOWN_FOR_MS)
    .fetch_all(&svc.db.pool)
    .await?;
    Ok(rows.into_iter().map(|(id, started_at)| InterruptedPurchase { id, started_at }).collect())
}

/// An admin checked the supplier's account for this purchase: forgotten,
/// with an entry in the audit log.
pub async fn checked(svc: &Services, admin_user_id: i64, attempt: i64) -> Result<(), AppError> {
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let found: Option<(String, i64)> = sqlx::query_as(
        "DELETE FROM upstream_purchase_attempts WHERE id = $1 AND interrupted_at IS NOT NULL RETURNING upstream, started_at",
    )
    .bind(attempt)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((upstream, started_at)) = found else {
        return Err(AppError::Invalid("That purchase was already checked.".into()));
    };
    let what = format!("purchase from {upstream} started at {started_at}");
    super::super::audit::record(&mut *tx, now, admin_user_id, "upstream.purchase_checked", None, &what, "checked").await?;
    tx.commit().await?;
    Ok(())
}
