//! Admin: find users, see everything about one, disable or enable them,
//! set their discount, revoke their API keys.
//! Every server function here checks the admin role on the server.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    account::{Device, SecurityEvent},
    api_keys::ApiKeyView,
    domain::{Discount, Money, Role},
    error::AppError,
    get_number::LeaseView,
    support::TicketSummary,
    wallet::EntryView,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRow {
    pub public_id: String,
    pub username: String,
    pub email: String,
    pub role: Role,
    pub email_verified: bool,
    /// Two-step sign-in is on.
    pub two_step: bool,
    pub disabled: bool,
    pub balance: Money,
    /// Off the list prices, set by an admin.
    pub discount: Discount,
    pub created_at: i64,
}

/// Accounts found, a page at a time.
pub const USERS_PAGE: usize = 50;

/// A page of the accounts a search found, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserList {
    /// Those who leased the number searched for (latest lease first, first
    /// page only), then those whose user ID, email or username matches.
    pub users: Vec<UserRow>,
    /// How many of the first kind lead the page.
    pub leased: usize,
    /// How many accounts match by user ID, email or username (all, with
    /// no search).
    pub matching: i64,
    /// The cursor of the next page, when there is one.
    pub next_before: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserDetail {
    pub user: UserRow,
    pub ledger: Vec<EntryView>,
    /// The latest leases, each with its messages in full: support reads
    /// what a number received when a customer asks about a code.
    pub leases: Vec<LeaseView>,
    /// Their support tickets, latest activity first.
    pub tickets: Vec<TicketSummary>,
    /// Newest first, revoked ones too (when each was last used).
    pub api_keys: Vec<ApiKeyView>,
    pub devices: Vec<Device>,
    pub security_log: Vec<SecurityEvent>,
}

/// By public user ID, email or username (part of one), or a number they
/// leased; with `role` ("customer", "support", "admin"), those only;
/// newest first, `USERS_PAGE` at a time after `before`.
#[server(endpoint = "admin/users", protocol = crate::wire::Wire)]
pub async fn admin_find_users(query: String, role: Option<String>, before: Option<i64>) -> Result<UserList, AppError> {
    use crate::services::{admin_users, request::require_staff, services};
    require_staff()?;
    let role = match role.as_deref().unwrap_or("") {
        "" => None,
        word => Some(Role::parse(word).ok_or_else(|| AppError::Invalid("Choose customers, support staff or administrators.".into()))?),
    };
    admin_users::search(&*services()?, &query, role, before).await
}

#[server(endpoint = "admin/user", protocol = crate::wire::Wire)]
pub async fn admin_user_detail(public_id: String) -> Result<UserDetail, AppError> {
    use crate::services::{admin_users, request::require_staff, services};
    require_staff()?;
    admin_users::detail(&*services()?, &public_id).await
}

/// Disabling also ends every session of the account at once.
#[server(endpoint = "admin/set_disabled", protocol = crate::wire::Wire)]
pub async fn admin_set_disabled(public_id: String, disabled: bool) -> Result<(), AppError> {
    use crate::services::{admin_users, request::{request_meta, require_admin}, services};
    let admin = require_admin()?;
    admin_users::set_disabled(&*services()?, admin.user_id, &public_id, disabled, &request_meta()).await
}

/// Sets the customer's discount off the list prices ("15", "15 %"; empty
/// or 0 for none): prices are an admin's business, not support's.
#[server(endpoint = "admin/set_discount", protocol = crate::wire::Wire)]
pub async fn admin_set_discount(public_id: String, discount: String) -> Result<(), AppError> {
    use crate::services::{admin_users, request::require_admin, services};
    let admin = require_admin()?;
    let discount = Discount::parse(&discount).map_err(AppError::Invalid)?;
    admin_users::set_discount(&*services()?, admin.user_id, &public_id, discount).await
}

/// A key the customer cannot revoke themself (locked out, or a bot of
/// theirs gone wild); the owner's security log says an admin did it.
#[server(endpoint = "admin/revoke_api_key", protocol = crate::wire::Wire)]
pub async fn admin_revoke_api_key(public_id: String, key_id: i64) -> Result<(), AppError> {
    use crate::services::{admin_users, request::{request_meta, require_staff}, services};
    let admin = require_staff()?;
    admin_users::revoke_api_key(&*services()?, admin.user_id, &public_id, key_id, &request_meta()).await
}
