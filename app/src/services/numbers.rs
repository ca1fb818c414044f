//! The numbers we hand out. Today: the operator's pool and the fictional
//! demo range, both rows in `numbers`; the upstream provider (issue 8)
//! will add a source that is asked over HTTP.
use sqlx::AnyConnection;

use super::db::Db;
use crate::error::AppError;

/// A free number for `platform_id`: not in an open lease, and never one
/// that already received a code for this platform (the earlier customer's
/// account there is tied to it).
pub async fn pick_free(conn: &mut AnyConnection, platform_id: i64) -> Result<Option<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT n.id, n.e164, n.source FROM numbers n \
         WHERE n.enabled = 1 \
           AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.number_id = n.id AND l.state IN ('active', 'code_received')) \
           AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.number_id = n.id AND l.platform_id = $1 AND l.code_at IS NOT NULL) \
         ORDER BY COALESCE((SELECT MAX(l.created_at) FROM leases l WHERE l.number_id = n.id), 0), n.id \
         LIMIT 1",
    )
    .bind(platform_id)
    .fetch_optional(&mut *conn)
    .await
}

/// Puts the fictional demo numbers, (202) 555-0100 to 0199, in the pool.
pub async fn seed_demo_numbers(db: &Db, now: i64) -> Result<(), AppError> {
    for line in 100..200 {
        sqlx::query("INSERT INTO numbers (e164, source, enabled, created_at) VALUES ($1, 'demo', 1, $2) ON CONFLICT (e164) DO NOTHING")
            .bind(format!("+1202555{line:04}"))
            .bind(now)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}
