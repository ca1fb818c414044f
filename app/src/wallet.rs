//! The wallet as pages see it, and its server functions: the customer's
//! balance and history, and the admin recharge.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    domain::{EntryKind, Money},
    error::AppError,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalletView {
    pub public_id: String,
    pub balance: Money,
    /// The open top-up request, or the last one decided this week.
    pub top_up_request: Option<crate::top_up_requests::TopUpRequest>,
    /// The balance under which the customer is emailed, if they asked.
    pub balance_alert: Option<Money>,
    /// Where this stands among the account's changes (see Get Number).
    pub events_cursor: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryView {
    pub id: i64,
    pub kind: EntryKind,
    pub amount: Money,
    pub balance_after: Money,
    pub description: String,
    pub at: i64,
}

#[cfg(feature = "ssr")]
impl From<crate::services::ledger::Entry> for EntryView {
    fn from(e: crate::services::ledger::Entry) -> Self {
        EntryView {
            id: e.id,
            kind: e.kind,
            amount: e.amount,
            balance_after: e.balance_after,
            description: if e.note.is_empty() { e.kind.label().to_string() } else { format!("{} — {}", e.kind.label(), e.note) },
            at: e.created_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub entries: Vec<EntryView>,
    /// Pass as `before` for the next page; None on the last page.
    pub next_before: Option<i64>,
    /// Where this stands among the account's changes (see Get Number).
    pub events_cursor: i64,
}

/// A customer as the admin recharge shows them before confirming.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserSummary {
    pub public_id: String,
    pub username: String,
    pub email: String,
    pub balance: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RechargeConfirmation {
    pub user: UserSummary,
    pub amount: Money,
    pub note: String,
    /// Sent back with the confirmation so a double click credits once.
    pub idempotency_key: String,
    /// The customer's top-up request this answers: filled from one, or
    /// typed by hand for the amount of their open one.
    pub request_id: Option<i64>,
    /// The amount of the customer's open request when this top-up does
    /// not answer it (another amount): it stays open.
    pub other_request: Option<Money>,
}

pub const HISTORY_PAGE_SIZE: usize = 20;

#[server(endpoint = "my_wallet", protocol = crate::wire::Wire)]
pub async fn my_wallet() -> Result<WalletView, AppError> {
    use crate::services::{balance_alerts, ledger, request::require_user, services, top_up_requests};
    let user = require_user()?;
    let svc = services()?;
    let events_cursor = svc.events.cursor();
    Ok(WalletView {
        public_id: user.viewer.public_id,
        balance: ledger::balance(&svc.db, user.user_id).await?,
        top_up_request: top_up_requests::latest(&svc, user.user_id).await?,
        balance_alert: balance_alerts::threshold_of(&svc, user.user_id).await?,
        events_cursor,
    })
}

/// "Email me when my balance falls below `amount`"; empty turns it off.
#[server(endpoint = "set_balance_alert", protocol = crate::wire::Wire)]
pub async fn set_balance_alert(amount: String) -> Result<(), AppError> {
    use crate::services::{balance_alerts, request::require_user, services};
    let user = require_user()?;
    let alert = crate::domain::BalanceAlert::parse(&amount).map_err(AppError::Invalid)?;
    balance_alerts::set(&*services()?, user.user_id, user.viewer.email_verified, alert).await
}

#[server(endpoint = "my_ledger", protocol = crate::wire::Wire)]
pub async fn my_ledger(kind: Option<String>, before: Option<i64>) -> Result<HistoryPage, AppError> {
    use crate::services::{ledger, paging::NewestFirst, request::require_user, services};
    let user = require_user()?;
    let kind = match kind.as_deref() {
        None | Some("") | Some("all") => None,
        Some(k) => Some(EntryKind::parse(k).ok_or_else(|| AppError::Invalid("Unknown kind of entry.".into()))?),
    };
    let svc = services()?;
    let events_cursor = svc.events.cursor();
    let page = NewestFirst { size: HISTORY_PAGE_SIZE };
    let rows = ledger::history(&svc.db, user.user_id, kind, before, page.limit()).await?;
    let (rows, next_before) = page.page(rows, |e| e.id);
    let entries = rows.into_iter().map(EntryView::from).collect();
    Ok(HistoryPage { entries, next_before, events_cursor })
}

/// Step one of a recharge: find the user and show what will happen.
/// From a customer's request (`request_id`), its user and amount; typed
/// by hand, it answers the customer's open request of the same amount.
#[server(endpoint = "admin/prepare_top_up", protocol = crate::wire::Wire)]
pub async fn admin_prepare_top_up(
    query: Option<String>,
    amount: Option<String>,
    note: Option<String>,
    request_id: Option<i64>,
) -> Result<RechargeConfirmation, AppError> {
    use crate::services::{recharge, request::require_admin, services, top_up_requests};
    require_admin()?;
    let svc = services()?;
    let (query, amount) = match request_id {
        Some(id) => top_up_requests::for_recharge(&svc, id).await?,
        None => (query.unwrap_or_default(), Money::parse(&amount.unwrap_or_default(), false).map_err(AppError::Invalid)?),
    };
    let user = recharge::find_user(&svc, &query).await?;
    let (request_id, other_request) = match request_id {
        Some(id) => (Some(id), None),
        None => match top_up_requests::open_of(&svc, &user.public_id).await? {
            Some((id, asked)) if asked == amount => (Some(id), None),
            Some((_, asked)) => (None, Some(asked)),
            None => (None, None),
        },
    };
    let note = note.unwrap_or_default().trim().to_string();
    Ok(RechargeConfirmation { user, amount, note, idempotency_key: new_key(), request_id, other_request })
}

/// Step two: credit the confirmed amount.
#[server(endpoint = "admin/top_up", protocol = crate::wire::Wire)]
pub async fn admin_top_up(
    public_id: String,
    amount: String,
    note: String,
    idempotency_key: String,
    request_id: Option<i64>,
) -> Result<Money, AppError> {
    use crate::domain::PublicUserId;
    use crate::services::{recharge, request::require_admin, services};
    let admin = require_admin()?;
    let public_id = PublicUserId::parse(&public_id).map_err(AppError::Invalid)?;
    let amount = Money::parse(&amount, false).map_err(AppError::Invalid)?;
    let entry = recharge::top_up(&*services()?, admin.user_id, &public_id, amount, &note, &idempotency_key, request_id).await?;
    Ok(entry.balance_after)
}

/// A correction (either sign, with a reason; never below zero).
#[server(endpoint = "admin/adjust", protocol = crate::wire::Wire)]
pub async fn admin_adjust(public_id: String, amount: String, reason: String, idempotency_key: String) -> Result<Money, AppError> {
    use crate::domain::PublicUserId;
    use crate::services::{recharge, request::require_admin, services};
    let admin = require_admin()?;
    let public_id = PublicUserId::parse(&public_id).map_err(AppError::Invalid)?;
    let amount = Money::parse(&amount, true).map_err(AppError::Invalid)?;
    let entry = recharge::adjust(&*services()?, admin.user_id, &public_id, amount, &reason, &idempotency_key).await?;
    Ok(entry.balance_after)
}

#[cfg(feature = "ssr")]
fn new_key() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}
