//! What on the Supply page waits for an operator, as one number for the
//! admin menu's badge: SMS no lease took, gateway phones gone silent,
//! platforms customers were turned away from in the last 24 hours,
//! suppliers low on money and purchases whose outcome nobody knows.
use super::{clock::DAY_MS, numbers, upstream::in_flight, Services};
use crate::error::AppError;

pub async fn count(svc: &Services) -> Result<i64, AppError> {
    let now = svc.now();
    let pool = &svc.db.pool;
    let unmatched: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sms_messages WHERE lease_id IS NULL AND dismissed_at IS NULL").fetch_one(pool).await?;
    let phones: Vec<(i64, i64)> = sqlx::query_as("SELECT last_seen_at, sends_pings FROM gateway_devices").fetch_all(pool).await?;
    let silent = phones.iter().filter(|&&(heard_at, pings)| numbers::gateway_silent(pings == 1, heard_at, now)).count();
    let turned_away: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT platform_id) FROM lease_refusals WHERE at >= $1").bind(now - DAY_MS).fetch_one(pool).await?;
    let mut suppliers = 0;
    for client in &svc.upstreams.clients {
        suppliers += usize::from(client.low_balance()) + in_flight::recently_interrupted(svc, client.name()).await?.len();
    }
    Ok(unmatched + turned_away + (silent + suppliers) as i64)
}
