//! The audit log of admin actions: who, what, before and after, when.
use sqlx::{Any, Executor};

use crate::error::AppError;

pub async fn record<'e, E>(
    exec: E,
    now: i64,
    admin_user_id: i64,
    action: &str,
    target_user_id: Option<i64>,
    before: &str,
    after: &str,
) -> Result<(), AppError>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO admin_audit (admin_user_id, action, target_user_id, before_state, after_state, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(admin_user_id)
    .bind(action)
    .bind(target_user_id)
    .bind(before)
    .bind(after)
    .bind(now)
    .execute(exec)
    .await?;
    Ok(())
}
