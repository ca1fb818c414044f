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

/// A page of everyone's security log, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminSecurityPage {
    pub events: Vec<AdminSecurityEvent>,
    /// The cursor of the next page, when there is one.
    pub next_before: Option<i64>,
}

/// Everyone's security log, newest first, a page after `before`; `search`
/// keeps one account's (user ID, or part of a username) or one address's.
#[server(endpoint = "admin/security_log", protocol = crate::wire::Wire)]
pub async fn admin_security_log(search: Option<String>, before: Option<i64>) -> Result<AdminSecurityPage, AppError> {
    use crate::domain::SearchText;
    use crate::services::{request::require_admin, security_log, services};
    require_admin()?;
    let search = SearchText::parse(&search.unwrap_or_default()).map_err(AppError::Invalid)?;
    security_log::everyone(&*services()?, &search, before).await
}

/// Sets an account's role (customer, support or admin), by public user ID.
#[server(endpoint = "admin/set_role", protocol = crate::wire::Wire)]
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
#[server(endpoint = "admin/audit_log", protocol = crate::wire::Wire)]
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
