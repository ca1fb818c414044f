//! Numbers of the pool a platform seems to refuse: every lease of one for
//! that platform lately ended without a code. Customers are given other
//! numbers first (`providers::NumberSources::pick`), so such a number
//! wastes several customers' minutes before anyone reports it; the Supply
//! page lists it for an operator to disable or check.
use super::{clock::DAY_MS, Services};
use crate::{
    domain::UsPhoneNumber,
    error::AppError,
    number_pool::{SilentNumber, SILENT_AFTER_LEASES, SILENT_WITHIN_DAYS},
};

/// One row per (enabled pool number, platform) whose ended leases since
/// `$1` number at least `$2` and include no code; `recent` and `count`
/// read the same rows.
const SILENT: &str = "SELECT n.e164, p.name, COUNT(*) AS lease_count, MAX(l.created_at) AS last_at FROM leases l \
     JOIN numbers n ON n.id = l.number_id JOIN platforms p ON p.id = l.platform_id \
     WHERE n.source = 'pool' AND n.enabled = 1 AND l.created_at > $1 AND l.state NOT IN ('active', 'code_received') \
     GROUP BY n.id, n.e164, p.id, p.name \
     HAVING COUNT(*) >= $2 AND COUNT(l.code_at) = 0";

fn since(svc: &Services) -> i64 {
    svc.now() - SILENT_WITHIN_DAYS * DAY_MS
}

/// The Supply page's list: those with the most leases first, at most 50.
pub async fn recent(svc: &Services) -> Result<Vec<SilentNumber>, AppError> {
    type Row = (String, String, i64, i64);
    let rows: Vec<Row> = sqlx::query_as(&format!("{SILENT} ORDER BY lease_count DESC, last_at DESC LIMIT 50"))
        .bind(since(svc))
        .bind(SILENT_AFTER_LEASES)
        .fetch_all(&svc.db.pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(e164, platform, leases, last_at)| SilentNumber { display: UsPhoneNumber::display_stored(&e164), number: e164, platform, leases, last_at })
        .collect())
}

/// How many there are, all of them (the admin menu's badge, `/metrics`).
pub async fn count(svc: &Services) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ({SILENT}) s")).bind(since(svc)).bind(SILENT_AFTER_LEASES).fetch_one(&svc.db.pool).await?)
}
