//! The audit log of admin actions: who, what, before and after, when.
use sqlx::{Any, Executor};

use super::paging::NewestFirst;
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

/// What the audit log view asks for.
#[derive(Debug, Clone)]
pub struct Filter {
    /// Action prefix ("" for all).
    pub action: String,
    /// Admin username, lower case ("" for all).
    pub admin: String,
    /// Entries with a smaller id (paging).
    pub before: i64,
}

const PAGE: NewestFirst = NewestFirst { size: 50 };

pub async fn list(svc: &super::Services, filter: &Filter) -> Result<crate::admin_api::AuditPage, AppError> {
    use crate::admin_api::{AuditEntry, AuditPage};
    type Row = (i64, String, String, Option<String>, Option<String>, String, String, i64);
    let action = format!("{}%", filter.action.replace('%', ""));
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT a.id, u.username, a.action, t.public_id, t.username, a.before_state, a.after_state, a.created_at \
         FROM admin_audit a JOIN users u ON u.id = a.admin_user_id LEFT JOIN users t ON t.id = a.target_user_id \
         WHERE a.id < $1 AND a.action LIKE $2 AND ($3 = '' OR LOWER(u.username) = $3) ORDER BY a.id DESC LIMIT $4",
    )
    .bind(filter.before)
    .bind(&action)
    .bind(&filter.admin)
    .bind(PAGE.limit())
    .fetch_all(&svc.db.pool)
    .await?;
    let (rows, next_before) = PAGE.page(rows, |r| r.0);
    let entries = rows
        .into_iter()
        .map(|(id, admin, action, public_id, username, before, after, at)| AuditEntry {
            id,
            admin,
            action,
            target: public_id.map(|p| format!("{p} {}", username.unwrap_or_default())),
            before,
            after,
            at,
        })
        .collect();
    Ok(AuditPage { entries, next_before })
}
