//! The security log: sign-ins, sign-outs, password and role changes, with
//! IP, browser and time. Users read their own; admins read everyone's.
use serde::{Deserialize, Serialize};
use sqlx::{Any, Executor};

use super::request::RequestMeta;
use crate::{account::describe_browser, auth::SecurityEventKind, error::AppError};

/// Writes one entry, inside the caller's transaction when given one.
pub async fn record<'e, E>(
    exec: E,
    now: i64,
    user_id: Option<i64>,
    kind: SecurityEventKind,
    meta: &RequestMeta,
    detail: &str,
) -> Result<(), AppError>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO security_events (user_id, kind, ip, user_agent, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(user_id)
    .bind(kind.as_str())
    .bind(&meta.ip)
    .bind(truncate(&meta.user_agent, 512))
    .bind(detail)
    .bind(now)
    .execute(exec)
    .await?;
    Ok(())
}

/// Whether the account's owner used this kind of browser before
/// (`browser` as `describe_browser` names it: "Chrome on Linux"),
/// counting only what proves the owner: signing up or in, a verified
/// email, a password reset. Versions and addresses change too often to
/// tell a new device.
pub async fn knows_browser<'e, E>(exec: E, user_id: i64, browser: &str) -> Result<bool, AppError>
where
    E: Executor<'e, Database = Any>,
{
    use SecurityEventKind::{EmailVerified, PasswordReset, SignIn, SignUp};
    let agents: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT user_agent FROM security_events WHERE user_id = $1 AND kind IN ($2, $3, $4, $5)",
    )
    .bind(user_id)
    .bind(SignUp.as_str())
    .bind(SignIn.as_str())
    .bind(EmailVerified.as_str())
    .bind(PasswordReset.as_str())
    .fetch_all(exec)
    .await?;
    Ok(agents.iter().any(|agent| describe_browser(agent) == browser))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityEventRow {
    pub kind: String,
    pub ip: String,
    pub user_agent: String,
    pub detail: String,
    pub created_at: i64,
}

pub async fn list_for_user(db: &super::db::Db, user_id: i64, limit: i64) -> Result<Vec<SecurityEventRow>, AppError> {
    let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
        "SELECT kind, ip, user_agent, detail, created_at FROM security_events \
         WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(kind, ip, user_agent, detail, created_at)| SecurityEventRow { kind, ip, user_agent, detail, created_at })
        .collect())
}

pub(crate) fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
