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

/// Enabled pool numbers whose ended leases for a platform in the last
/// `SILENT_WITHIN_DAYS` number at least `SILENT_AFTER_LEASES` and include
/// no code; those with the most first (at most 50).
pub async fn recent(svc: &Services) -> Result<Vec<SilentNumber>, AppError> {
    type Row = (String, String, i64, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT n.e164, p.name, COUNT(*), MAX(l.created_at) FROM leases l \
         JOIN numbers n ON n.id = l.number_id JOIN platforms p ON p.id = l.platform_id \
         WHERE n.source = 'pool' AND n.enabled = 1 AND l.created_at > $1 AND l.state NOT IN ('active', 'code_received') \
         GROUP BY n.id, n.e164, p.id, p.name \
         HAVING COUNT(*) >= $2 AND COUNT(l.code_at) = 0 \
         ORDER BY COUNT(*) DESC, MAX(l.created_at) DESC LIMIT 50",
    )
    .bind(svc.now() - SILENT_WITHIN_DAYS * DAY_MS)
    .bind(SILENT_AFTER_LEASES)
    .fetch_all(&svc.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(e164, platform, leases, last_at)| SilentNumber { display: UsPhoneNumber::display_stored(&e164), number: e164, platform, leases, last_at })
        .collect())
}
