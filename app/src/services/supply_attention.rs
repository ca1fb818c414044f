//! What on the Supply page waits for an operator: the admin menu's badge
//! counts it, and `/metrics` publishes the SMS and the phones.
use super::{clock::DAY_MS, numbers, silent_numbers, upstream::in_flight, Services};
use crate::error::AppError;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attention {
    /// SMS no lease took, neither assigned nor dismissed.
    pub unmatched_sms: i64,
    /// Gateway phones that ping but have gone silent.
    pub silent_phones: i64,
    /// Platforms customers were turned away from in the last 24 hours.
    pub turned_away_platforms: i64,
    /// Suppliers low on money, plus purchases whose outcome nobody knows.
    pub supplier_problems: i64,
    /// Pool numbers whose leases for a platform lately got no code.
    pub numbers_without_codes: i64,
}

impl Attention {
    pub fn total(&self) -> i64 {
        self.unmatched_sms + self.silent_phones + self.turned_away_platforms + self.supplier_problems + self.numbers_without_codes
    }
}

pub async fn now(svc: &Services) -> Result<Attention, AppError> {
    let pool = &svc.db.pool;
    let turned_away_platforms =
        sqlx::query_scalar("SELECT COUNT(DISTINCT platform_id) FROM lease_refusals WHERE at >= $1").bind(svc.now() - DAY_MS).fetch_one(pool).await?;
    let mut supplier_problems = 0;
    for client in &svc.upstreams.clients {
        supplier_problems += i64::from(client.low_balance()) + in_flight::recently_interrupted(svc, client.name()).await?.len() as i64;
    }
    Ok(Attention {
        unmatched_sms: unmatched_sms(svc).await?,
        silent_phones: silent_phones(svc).await?,
        turned_away_platforms,
        supplier_problems,
        numbers_without_codes: silent_numbers::count(svc).await?,
    })
}

/// SMS no lease took, neither assigned nor dismissed (also on `/metrics`).
pub async fn unmatched_sms(svc: &Services) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM sms_messages WHERE lease_id IS NULL AND dismissed_at IS NULL").fetch_one(&svc.db.pool).await?)
}

/// Gateway phones that ping but have gone silent (also on `/metrics`).
pub async fn silent_phones(svc: &Services) -> Result<i64, AppError> {
    let now = svc.now();
    let phones: Vec<(i64, i64)> = sqlx::query_as("SELECT last_seen_at, sends_pings FROM gateway_devices").fetch_all(&svc.db.pool).await?;
    Ok(phones.iter().filter(|&&(heard_at, pings)| numbers::gateway_silent(pings == 1, heard_at, now)).count() as i64)
}
