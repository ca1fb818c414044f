//! Server functions for administrators. Every one checks the role on the
//! server first; their endpoints all start with `admin/`, which the tests
//! enumerate to prove that a customer gets 403 from each.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminSecurityEvent {
    pub public_id: Option<String>,
    pub username: Option<String>,
    pub what: String,
    pub ip: String,
    pub browser: String,
    pub detail: String,
    pub at: i64,
}

/// Everyone's security log, newest first.
#[server(endpoint = "admin/security_log")]
pub async fn admin_security_log() -> Result<Vec<AdminSecurityEvent>, AppError> {
    use crate::auth::SecurityEventKind;
    use crate::services::{request::require_admin, services};
    require_admin()?;
    let svc = services()?;
    type Row = (Option<String>, Option<String>, String, String, String, String, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT u.public_id, u.username, e.kind, e.ip, e.user_agent, e.detail, e.created_at \
         FROM security_events e LEFT JOIN users u ON u.id = e.user_id ORDER BY e.created_at DESC, e.id DESC LIMIT 200",
    )
    .fetch_all(&svc.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(public_id, username, kind, ip, ua, detail, at)| AdminSecurityEvent {
            public_id,
            username,
            what: SecurityEventKind::parse(&kind).map(|k| k.label().to_string()).unwrap_or(kind),
            ip,
            browser: crate::account::describe_browser(&ua),
            detail,
            at,
        })
        .collect())
}

/// Sets an account's role (customer, support or admin), by public user ID.
#[server(endpoint = "admin/set_role")]
pub async fn admin_set_role(public_id: String, role: String) -> Result<(), AppError> {
    use crate::domain::{PublicUserId, Role};
    use crate::services::{accounts, request::{request_meta, require_admin}, services};
    let admin = require_admin()?;
    let public_id = PublicUserId::parse(&public_id).map_err(AppError::Invalid)?;
    let role = Role::parse(&role).ok_or_else(|| AppError::Invalid("The role is customer, support or admin.".into()))?;
    accounts::set_role(&*services()?, admin.user_id, &public_id, role, &request_meta()).await
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub admin: String,
    pub action: String,
    /// The account acted on: public ID and username.
    pub target: Option<String>,
    pub before: String,
    pub after: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_before: Option<i64>,
}

/// The audit log, newest first; filtered by action (prefix, e.g. "user.")
/// and by the acting admin's username. Read-only: nothing changes it.
#[server(endpoint = "admin/audit_log")]
pub async fn admin_audit_log(action: Option<String>, admin: Option<String>, before: Option<i64>) -> Result<AuditPage, AppError> {
    use crate::services::{audit, request::require_admin, services};
    require_admin()?;
    let filter = audit::Filter {
        action: action.unwrap_or_default().trim().to_string(),
        admin: admin.unwrap_or_default().trim().to_lowercase(),
        before: before.unwrap_or(i64::MAX),
    };
    audit::list(&*services()?, &filter).await
}
