//! Numbers of the pool a platform seems to refuse: every lease of one for
//! that platform lately ended without a code, and there were several or a
//! customer said the platform refused it. A confirmation gives such a
//! number out for that platform only when no other is free
//! (`providers::NumberSources::pick`), and the Supply page lists it for an
//! operator to disable or check.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use super::{
    clock::{DAY_MS, MINUTE_MS},
    Services,
};
use crate::{
    domain::UsPhoneNumber,
    error::AppError,
    number_pool::{SilentNumber, SILENT_AFTER_LEASES, SILENT_WITHIN_DAYS},
};

/// One row per (enabled pool number, platform) whose ended leases since
/// `$1` include no code and either number at least `$2` or one of them was
/// cancelled as refused by the platform; `recent` and `count` read the
/// same rows.
const SILENT: &str = "SELECT n.id AS number_id, n.e164, p.slug, p.name, COUNT(*) AS lease_count, COUNT(l.refused_at) AS refused_count, \
        MAX(l.created_at) AS last_at FROM leases l \
     JOIN numbers n ON n.id = l.number_id JOIN platforms p ON p.id = l.platform_id \
     WHERE n.source = 'pool' AND n.enabled = 1 AND l.created_at > $1 AND l.state NOT IN ('active', 'code_received') \
     GROUP BY n.id, n.e164, p.id, p.slug, p.name \
     HAVING (COUNT(*) >= $2 OR COUNT(l.refused_at) > 0) AND COUNT(l.code_at) = 0";

fn since(svc: &Services) -> i64 {
    svc.now() - SILENT_WITHIN_DAYS * DAY_MS
}

/// The Supply page's list: those with the most leases first, at most 50.
pub async fn recent(svc: &Services) -> Result<Vec<SilentNumber>, AppError> {
    type Row = (String, String, i64, i64, i64);
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT e164, name, lease_count, refused_count, last_at FROM ({SILENT}) s ORDER BY lease_count DESC, last_at DESC LIMIT 50"
    ))
    .bind(since(svc))
    .bind(SILENT_AFTER_LEASES)
    .fetch_all(&svc.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(e164, platform, leases, refused, last_at)| SilentNumber {
            display: UsPhoneNumber::display_stored(&e164),
            number: e164,
            platform,
            leases,
            refused,
            last_at,
        })
        .collect())
}

/// How many there are, all of them (the admin menu's badge, `/metrics`).
pub async fn count(svc: &Services) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ({SILENT}) s")).bind(since(svc)).bind(SILENT_AFTER_LEASES).fetch_one(&svc.db.pool).await?)
}

/// How long a confirmation relies on the last reading of the numbers it
/// gives out last: the figures are a week's, so a minute late changes
/// little, and the read is not repeated for every lease.
pub const READ_EVERY_MS: i64 = MINUTE_MS;

/// The silent numbers' IDs by platform slug.
type BySlug = Arc<HashMap<String, Vec<i64>>>;

/// The last reading and when it was made (by the services' clock). Each
/// instance reads its own.
#[derive(Debug, Clone, Default)]
pub struct SilentCache(Arc<Mutex<Option<(i64, BySlug)>>>);

/// The IDs of the pool numbers that platform `slug` seems to refuse.
pub async fn of_platform(svc: &Services, slug: &str) -> Result<Vec<i64>, AppError> {
    let now = svc.now();
    let held = svc.numbers.silent.0.lock().ok().and_then(|held| held.clone()).filter(|(at, _)| now - at < READ_EVERY_MS);
    let by_slug = match held {
        Some((_, by_slug)) => by_slug,
        None => {
            let rows: Vec<(String, i64)> = sqlx::query_as(&format!("SELECT slug, number_id FROM ({SILENT}) s"))
                .bind(since(svc))
                .bind(SILENT_AFTER_LEASES)
                .fetch_all(&svc.db.pool)
                .await?;
            let mut by_slug = HashMap::<String, Vec<i64>>::new();
            for (slug, number_id) in rows {
                by_slug.entry(slug).or_default().push(number_id);
            }
            let by_slug = Arc::new(by_slug);
            if let Ok(mut held) = svc.numbers.silent.0.lock() {
                *held = Some((now, by_slug.clone()));
            }
            by_slug
        }
    };
    Ok(by_slug.get(slug).cloned().unwrap_or_default())
}
