//! Figures for the admin dashboard, from the ledger and the leases.
use super::clock::DAY_MS;
use super::{support, Services};
use crate::{
    admin_dashboard::{Dashboard, DayFigures, PeriodFigures, WalletFigures},
    domain::{LeaseState, Money},
    error::AppError,
};

async fn period(svc: &Services, since: i64) -> Result<PeriodFigures, AppError> {
    let pool = &svc.db.pool;
    let (revenue, refunds, top_ups): (i64, i64, i64) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(CASE WHEN kind = 'lease_debit' THEN -amount_cents ELSE 0 END), 0) AS BIGINT), \
                CAST(COALESCE(SUM(CASE WHEN kind = 'refund' THEN amount_cents ELSE 0 END), 0) AS BIGINT), \
                CAST(COALESCE(SUM(CASE WHEN kind = 'top_up' THEN amount_cents ELSE 0 END), 0) AS BIGINT) \
         FROM ledger_entries WHERE created_at >= $1",
    )
    .bind(since)
    .fetch_one(pool)
    .await?;
    let (leases, with_code): (i64, i64) = sqlx::query_as("SELECT COUNT(*), COUNT(code_at) FROM leases WHERE created_at >= $1")
        .bind(since)
        .fetch_one(pool)
        .await?;
    let waits: Vec<i64> = sqlx::query_scalar("SELECT code_at - created_at FROM leases WHERE created_at >= $1 AND code_at IS NOT NULL LIMIT 100000")
        .bind(since)
        .fetch_all(pool)
        .await?;
    let median_secs_to_code = median_secs(waits);
    let new_users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE created_at >= $1").bind(since).fetch_one(pool).await?;
    Ok(PeriodFigures {
        revenue: Money::from_cents(revenue),
        refunds: Money::from_cents(refunds),
        net: Money::from_cents(revenue - refunds),
        top_ups: Money::from_cents(top_ups),
        leases,
        leases_with_code: with_code,
        median_secs_to_code,
        new_users,
    })
}

/// What the wallets hold now.
async fn wallets(svc: &Services) -> Result<WalletFigures, AppError> {
    let (held, funded): (i64, i64) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(balance_cents), 0) AS BIGINT), COUNT(CASE WHEN balance_cents > 0 THEN 1 END) FROM wallets",
    )
    .fetch_one(&svc.db.pool)
    .await?;
    Ok(WalletFigures { held: Money::from_cents(held), funded })
}

/// The median of durations in milliseconds, in whole seconds.
pub(super) fn median_secs(mut waits: Vec<i64>) -> Option<i64> {
    waits.sort_unstable();
    (!waits.is_empty()).then(|| waits[waits.len() / 2] / 1000)
}

pub async fn figures(svc: &Services) -> Result<Dashboard, AppError> {
    let now = svc.now();
    let today = now - now.rem_euclid(DAY_MS);
    let since = today - 29 * DAY_MS;
    let pool = &svc.db.pool;
    let money: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT created_at / 86400000, \
                CAST(SUM(CASE WHEN kind = 'lease_debit' THEN -amount_cents ELSE 0 END) AS BIGINT), \
                CAST(SUM(CASE WHEN kind = 'refund' THEN amount_cents ELSE 0 END) AS BIGINT) \
         FROM ledger_entries WHERE created_at >= $1 GROUP BY created_at / 86400000",
    )
    .bind(since)
    .fetch_all(pool)
    .await?;
    let counts: Vec<(i64, i64)> =
        sqlx::query_as("SELECT created_at / 86400000, COUNT(*) FROM leases WHERE created_at >= $1 GROUP BY created_at / 86400000")
            .bind(since)
            .fetch_all(pool)
            .await?;
    let days = (0..30)
        .map(|i| {
            let day = since + i * DAY_MS;
            let n = day / DAY_MS;
            let (revenue, refunds) = money.iter().find(|m| m.0 == n).map(|m| (m.1, m.2)).unwrap_or((0, 0));
            DayFigures {
                day,
                revenue: Money::from_cents(revenue),
                refunds: Money::from_cents(refunds),
                leases: counts.iter().find(|c| c.0 == n).map(|c| c.1).unwrap_or(0),
            }
        })
        .collect();
    let outcomes: Vec<(String, i64)> = sqlx::query_as("SELECT state, COUNT(*) FROM leases WHERE created_at >= $1 GROUP BY state ORDER BY COUNT(*) DESC")
        .bind(since)
        .fetch_all(pool)
        .await?;
    let by_platform: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT p.name, COUNT(*), COUNT(l.code_at) FROM leases l JOIN platforms p ON p.id = l.platform_id \
         WHERE l.created_at >= $1 GROUP BY p.name ORDER BY COUNT(*) DESC",
    )
    .bind(since)
    .fetch_all(pool)
    .await?;
    Ok(Dashboard {
        today: period(svc, today).await?,
        last_30_days: period(svc, since).await?,
        days,
        by_outcome: outcomes
            .into_iter()
            .map(|(state, n)| (LeaseState::parse(&state).map(|s| s.label().to_string()).unwrap_or(state), n))
            .collect(),
        by_platform,
        support: support::figures(svc, since).await?,
        wallets: wallets(svc).await?,
    })
}
