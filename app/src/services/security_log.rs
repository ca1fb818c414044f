//! The security log: sign-ins, sign-outs, password and role changes, with
//! IP, browser and time. Users read their own; admins read everyone's.
use serde::{Deserialize, Serialize};
use sqlx::{Any, Executor};

use super::{paging::NewestFirst, request::RequestMeta, Services};
use crate::{
    account::describe_browser,
    admin_api::{AdminSecurityEvent, AdminSecurityPage},
    auth::SecurityEventKind,
    domain::SearchText,
    error::AppError,
};

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

const EVERYONE_PAGE: NewestFirst = NewestFirst { size: 100 };

/// Everyone's entries, newest first, those with an id below `before`;
/// with a search, one account's (its user ID, or part of its username)
/// or one IP address's.
pub async fn everyone(svc: &Services, search: &SearchText, before: Option<i64>) -> Result<AdminSecurityPage, AppError> {
    type Row = (i64, Option<String>, Option<String>, String, String, String, String, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT e.id, u.public_id, u.username, e.kind, e.ip, e.user_agent, e.detail, e.created_at \
         FROM security_events e LEFT JOIN users u ON u.id = e.user_id \
         WHERE e.id < $1 AND ($2 = '' OR LOWER(u.public_id) = $2 OR LOWER(u.username) LIKE $3 ESCAPE '\\' OR LOWER(e.ip) = $2) \
         ORDER BY e.id DESC LIMIT $4",
    )
    .bind(before.unwrap_or(i64::MAX))
    .bind(search.as_str())
    .bind(search.contains_pattern())
    .bind(EVERYONE_PAGE.limit())
    .fetch_all(&svc.db.pool)
    .await?;
    let (rows, next_before) = EVERYONE_PAGE.page(rows, |r| r.0);
    let events = rows
        .into_iter()
        .map(|(_, public_id, username, kind, ip, ua, detail, at)| AdminSecurityEvent {
            public_id,
            username,
            what: SecurityEventKind::label_of(kind),
            ip,
            browser: describe_browser(&ua),
            detail,
            at,
        })
        .collect();
    Ok(AdminSecurityPage { events, next_before })
}

pub(crate) fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
