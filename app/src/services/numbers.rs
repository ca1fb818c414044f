//! The rows of `numbers`: the operator's pool and the demo range.
use super::db::Db;
use crate::error::AppError;

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
