//! A customer's own data as one JSON document (`GET /account/export`):
//! everything the Policies page says we keep about them (account, wallet
//! and ledger, leases and their SMS, support messages, API keys, staff
//! notes, devices, security records). Secrets stay out: the password
//! hash, the two-step key and recovery codes, the API keys' hashes and
//! callback secrets.
use std::collections::HashMap;

use serde::Serialize;

use super::{
    rate_limit::{self, Action},
    request::RequestMeta,
    security_log, sessions, Services,
};
use crate::error::AppError;

#[derive(Debug, Serialize)]
pub struct ExportedData {
    pub exported_at: i64,
    #[serde(flatten)]
    pub account: ExportedAccount,
    pub wallet_balance_cents: i64,
    /// The balance under which the customer asked to be emailed.
    pub balance_alert_cents: Option<i64>,
    /// Oldest first, like a statement.
    pub ledger: Vec<ExportedEntry>,
    pub top_up_requests: Vec<ExportedTopUpRequest>,
    pub leases: Vec<ExportedLease>,
    pub support_tickets: Vec<ExportedTicket>,
    pub api_keys: Vec<ExportedApiKey>,
    /// Platforms the customer asked to be mailed about once they have numbers.
    pub stock_waits: Vec<ExportedStockWait>,
    /// What staff wrote down about the customer (who wrote each stays out).
    pub staff_notes: Vec<ExportedStaffNote>,
    pub devices: Vec<sessions::DeviceRow>,
    pub security_log: Vec<security_log::SecurityEventRow>,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct ExportedAccount {
    pub public_id: String,
    pub email: String,
    pub username: String,
    pub role: String,
    pub created_at: i64,
    pub email_verified_at: Option<i64>,
    pub two_step_enabled_at: Option<i64>,
    pub adult_confirmed_at: i64,
    pub terms_version: String,
    pub terms_accepted_at: i64,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct ExportedEntry {
    pub id: i64,
    pub kind: String,
    pub amount_cents: i64,
    pub balance_after_cents: i64,
    pub lease_id: Option<i64>,
    pub note: String,
    pub created_at: i64,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct ExportedTopUpRequest {
    pub amount_cents: i64,
    pub status: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    pub ledger_entry_id: Option<i64>,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct ExportedLease {
    pub id: i64,
    pub platform: String,
    pub number: String,
    pub price_cents: i64,
    pub state: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub code_at: Option<i64>,
    pub ended_at: Option<i64>,
    /// When the customer cancelled it as refused by the platform.
    pub refused_at: Option<i64>,
    /// The customer's own name for it.
    pub label: Option<String>,
    /// What is still kept: SMS text is erased after its retention time.
    #[sqlx(skip)]
    pub sms: Vec<ExportedSms>,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct ExportedSms {
    #[serde(skip)]
    pub lease_id: i64,
    pub sender: String,
    pub body: String,
    pub code: Option<String>,
    pub received_at: i64,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct ExportedTicket {
    pub id: i64,
    pub subject: String,
    pub lease_id: Option<i64>,
    pub status: String,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    #[sqlx(skip)]
    pub messages: Vec<ExportedMessage>,
}

#[derive(Debug, Serialize)]
pub struct ExportedMessage {
    pub from_staff: bool,
    pub body: String,
    pub created_at: i64,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct ExportedApiKey {
    pub name: String,
    /// The key's first characters; the key itself is not kept.
    pub prefix: String,
    pub callback_url: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct ExportedStockWait {
    pub platform: String,
    pub created_at: i64,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct ExportedStaffNote {
    pub body: String,
    pub created_at: i64,
}

pub async fn export(svc: &Services, user_id: i64, meta: &RequestMeta) -> Result<ExportedData, AppError> {
    rate_limit::check(svc, Action::Export, &meta.ip, Some(&user_id.to_string())).await?;
    let pool = &svc.db.pool;
    let account: ExportedAccount = sqlx::query_as(
        "SELECT public_id, email, username, role, created_at, email_verified_at, totp_enabled_at AS two_step_enabled_at, \
         adult_confirmed_at, terms_version, terms_accepted_at FROM users WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let wallet_balance_cents: Option<i64> =
        sqlx::query_scalar("SELECT balance_cents FROM wallets WHERE user_id = $1").bind(user_id).fetch_optional(pool).await?;
    let ledger = sqlx::query_as(
        "SELECT id, kind, amount_cents, balance_after_cents, lease_id, note, created_at FROM ledger_entries WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    let top_up_requests = sqlx::query_as(
        "SELECT amount_cents, status, created_at, decided_at, ledger_entry_id FROM top_up_requests WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    let api_keys = sqlx::query_as(
        "SELECT name, prefix, callback_url, created_at, last_used_at, revoked_at FROM api_keys WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    let stock_waits = sqlx::query_as(
        "SELECT p.name AS platform, w.created_at FROM stock_waits w JOIN platforms p ON p.id = w.platform_id WHERE w.user_id = $1 ORDER BY w.id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    let staff_notes =
        sqlx::query_as("SELECT body, created_at FROM staff_notes WHERE user_id = $1 ORDER BY id").bind(user_id).fetch_all(pool).await?;
    Ok(ExportedData {
        exported_at: svc.now(),
        account,
        wallet_balance_cents: wallet_balance_cents.unwrap_or(0),
        balance_alert_cents: super::balance_alerts::threshold_of(svc, user_id).await?.map(|m| m.cents()),
        ledger,
        top_up_requests,
        leases: leases(svc, user_id).await?,
        support_tickets: tickets(svc, user_id).await?,
        api_keys,
        stock_waits,
        staff_notes,
        devices: sessions::list_active(svc, user_id).await?,
        security_log: security_log::list_for_user(&svc.db, user_id, i64::MAX).await?,
    })
}

async fn leases(svc: &Services, user_id: i64) -> Result<Vec<ExportedLease>, AppError> {
    let mut leases: Vec<ExportedLease> = sqlx::query_as(
        "SELECT l.id, p.name AS platform, l.e164 AS number, l.price_cents, l.state, l.created_at, l.expires_at, l.code_at, l.ended_at, l.refused_at, l.label \
         FROM leases l JOIN platforms p ON p.id = l.platform_id WHERE l.user_id = $1 ORDER BY l.id",
    )
    .bind(user_id)
    .fetch_all(&svc.db.pool)
    .await?;
    let sms: Vec<ExportedSms> = sqlx::query_as(
        "SELECT s.lease_id, s.sender, s.body, s.code, s.received_at FROM sms_messages s JOIN leases l ON l.id = s.lease_id \
         WHERE l.user_id = $1 ORDER BY s.id",
    )
    .bind(user_id)
    .fetch_all(&svc.db.pool)
    .await?;
    attach(&mut leases, sms, |lease| lease.id, |message| message.lease_id, |lease, message| lease.sms.push(message));
    Ok(leases)
}

async fn tickets(svc: &Services, user_id: i64) -> Result<Vec<ExportedTicket>, AppError> {
    let mut tickets: Vec<ExportedTicket> = sqlx::query_as(
        "SELECT id, subject, lease_id, status, created_at, closed_at FROM support_tickets WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(&svc.db.pool)
    .await?;
    let messages: Vec<(i64, i64, String, i64)> = sqlx::query_as(
        "SELECT m.ticket_id, m.from_staff, m.body, m.created_at FROM support_messages m \
         JOIN support_tickets t ON t.id = m.ticket_id WHERE t.user_id = $1 ORDER BY m.id",
    )
    .bind(user_id)
    .fetch_all(&svc.db.pool)
    .await?;
    attach(&mut tickets, messages, |ticket| ticket.id, |message| message.0, |ticket, (_, from_staff, body, created_at)| {
        ticket.messages.push(ExportedMessage { from_staff: from_staff != 0, body, created_at })
    });
    Ok(tickets)
}

/// Puts each child row under its parent (two queries instead of one per
/// parent), in the children's order.
fn attach<P, C>(parents: &mut [P], children: Vec<C>, id: impl Fn(&P) -> i64, parent_id: impl Fn(&C) -> i64, mut push: impl FnMut(&mut P, C)) {
    let at: HashMap<i64, usize> = parents.iter().enumerate().map(|(i, parent)| (id(parent), i)).collect();
    for child in children {
        if let Some(&i) = at.get(&parent_id(&child)) {
            push(&mut parents[i], child);
        }
    }
}
