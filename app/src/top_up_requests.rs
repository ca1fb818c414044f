//! Top-up requests as pages see them, and their server functions: the
//! customer's "I am sending $10" from the Wallet page, the admins' list
//! of open requests beside the recharge form.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{domain::Money, error::AppError};

/// How long a request stays open without a payment: then it expires, so
/// the admins' list holds only requests someone may still pay.
pub const OPEN_FOR_DAYS: i64 = 14;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Credited,
    Dismissed,
    Withdrawn,
    Expired,
}

impl RequestStatus {
    pub fn parse(text: &str) -> Option<RequestStatus> {
        match text {
            "pending" => Some(RequestStatus::Pending),
            "credited" => Some(RequestStatus::Credited),
            "dismissed" => Some(RequestStatus::Dismissed),
            "withdrawn" => Some(RequestStatus::Withdrawn),
            "expired" => Some(RequestStatus::Expired),
            _ => None,
        }
    }
}

/// A customer's request, as their Wallet page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopUpRequest {
    pub id: i64,
    pub amount: Money,
    pub status: RequestStatus,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

/// An open request, as the admins' list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingTopUp {
    pub id: i64,
    pub public_id: String,
    pub username: String,
    pub amount: Money,
    pub created_at: i64,
}

/// "I am sending this amount": opens the customer's request, or changes
/// the amount of the open one.
#[server(endpoint = "request_top_up", protocol = crate::wire::Wire)]
pub async fn request_top_up(amount: String) -> Result<TopUpRequest, AppError> {
    use crate::services::{request::require_user, services, top_up_requests};
    let user = require_user()?;
    let amount = Money::parse(&amount, false).map_err(AppError::Invalid)?;
    top_up_requests::open(&*services()?, user.user_id, amount).await
}

#[server(endpoint = "withdraw_top_up_request", protocol = crate::wire::Wire)]
pub async fn withdraw_top_up_request() -> Result<(), AppError> {
    use crate::services::{request::require_user, services, top_up_requests};
    let user = require_user()?;
    top_up_requests::withdraw(&*services()?, user.user_id).await
}

/// Open requests, oldest first.
#[server(endpoint = "admin/top_up_requests", protocol = crate::wire::Wire)]
pub async fn admin_top_up_requests() -> Result<Vec<PendingTopUp>, AppError> {
    use crate::services::{request::require_admin, services, top_up_requests};
    require_admin()?;
    top_up_requests::pending(&*services()?).await
}

/// How many requests are open: the admin menu's badge.
#[server(endpoint = "admin/open_top_up_requests", protocol = crate::wire::Wire)]
pub async fn admin_open_top_up_requests() -> Result<i64, AppError> {
    use crate::services::{request::require_admin, services, top_up_requests};
    require_admin()?;
    top_up_requests::open_count(&*services()?).await
}

/// Closes an open request without crediting it; audited.
#[server(endpoint = "admin/dismiss_top_up_request", protocol = crate::wire::Wire)]
pub async fn admin_dismiss_top_up_request(request_id: i64) -> Result<(), AppError> {
    use crate::services::{request::require_admin, services, top_up_requests};
    let admin = require_admin()?;
    top_up_requests::dismiss(&*services()?, admin.user_id, request_id).await
}
