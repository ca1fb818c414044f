//! In-app support as pages see it: tickets, threads, unread counts, and
//! the server functions for customers and for admins (`admin/…`).
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::get_number::LeaseView;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketSummary {
    pub id: i64,
    pub subject: String,
    /// "open" or "closed".
    pub status: String,
    /// Closed by the customer (their question answered), not by support.
    pub closed_by_customer: bool,
    pub lease_id: Option<i64>,
    pub updated_at: i64,
    /// A reply the reader has not seen (customer: from staff; admin: from
    /// the customer).
    pub unread: bool,
    /// Who opened it (admins only).
    pub customer: Option<TicketCustomer>,
}

impl TicketSummary {
    /// "open", "closed", or "closed by the customer" (their question answered).
    pub fn status_label(&self) -> String {
        if self.closed_by_customer { format!("{} by the customer", self.status) } else { self.status.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketCustomer {
    pub public_id: String,
    pub username: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketMessage {
    pub from_staff: bool,
    pub author: String,
    pub body: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketView {
    pub ticket: TicketSummary,
    /// The lease the ticket is about, with every message its number received.
    pub lease: Option<LeaseView>,
    /// Where this stands among the customer's changes (see `LeasesOverview`).
    pub events_cursor: i64,
    pub messages: Vec<TicketMessage>,
}

#[server(endpoint = "support/tickets", protocol = crate::wire::Wire)]
pub async fn my_tickets() -> Result<Vec<TicketSummary>, AppError> {
    use crate::services::{request::require_user, services, support};
    let user = require_user()?;
    support::tickets_of(&*services()?, user.user_id, false).await
}

/// Tickets with a reply the customer has not read (the navigation badge).
#[server(endpoint = "support/unread", protocol = crate::wire::Wire)]
pub async fn unread_support() -> Result<i64, AppError> {
    use crate::services::{request::authenticated, services, support};
    match authenticated() {
        Some(user) => support::customer_unread(&*services()?, user.user_id).await,
        None => Ok(0),
    }
}

#[server(endpoint = "support/open", protocol = crate::wire::Wire)]
pub async fn open_ticket(subject: String, message: String, lease_id: Option<String>) -> Result<i64, AppError> {
    use crate::services::{request::{given, require_user}, services, support};
    let user = require_user()?;
    let svc = services()?;
    limit_customer_messages(&svc, user.user_id).await?;
    let lease_id = match given(&lease_id) {
        Some(l) => Some(l.parse::<i64>().map_err(|_| AppError::Invalid("Choose the lease from the list.".into()))?),
        None => None,
    };
    support::open(&svc, user.user_id, &subject, &message, lease_id).await
}

/// Customers' messages are kept and read by a person: a loop posting them
/// is stopped (staff replies are not limited).
#[cfg(feature = "ssr")]
async fn limit_customer_messages(svc: &crate::services::Services, user_id: i64) -> Result<(), AppError> {
    use crate::services::{rate_limit::{self, Action}, request::request_meta};
    rate_limit::check(svc, Action::SupportMessage, &request_meta().ip, Some(&user_id.to_string())).await
}

/// The customer's question is answered: the ticket leaves support's open
/// list (writing again reopens it).
#[server(endpoint = "support/close", protocol = crate::wire::Wire)]
pub async fn close_ticket(ticket_id: i64) -> Result<(), AppError> {
    use crate::services::{request::require_user, services, support};
    let user = require_user()?;
    support::close(&*services()?, ticket_id, support::Reader::Customer(user.user_id)).await
}

#[server(endpoint = "support/thread", protocol = crate::wire::Wire)]
pub async fn ticket_thread(ticket_id: i64) -> Result<TicketView, AppError> {
    use crate::services::{request::require_user, services, support};
    let user = require_user()?;
    support::thread(&*services()?, ticket_id, support::Reader::Customer(user.user_id)).await
}

#[server(endpoint = "support/reply", protocol = crate::wire::Wire)]
pub async fn reply_ticket(ticket_id: i64, message: String) -> Result<(), AppError> {
    use crate::services::{request::require_user, services, support};
    let user = require_user()?;
    let svc = services()?;
    limit_customer_messages(&svc, user.user_id).await?;
    support::reply(&svc, ticket_id, support::Reader::Customer(user.user_id), &message).await
}

/// The support inbox shows this many tickets at first, and this many more
/// at each "Show more".
pub const INBOX_PAGE: u32 = 200;
/// At most this many at once; a search finds the others.
pub const INBOX_MAX: u32 = 1000;

/// The last updated tickets the inbox asked for, unread first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inbox {
    pub tickets: Vec<TicketSummary>,
    /// Older tickets match too.
    pub more: bool,
}

#[server(endpoint = "admin/support_tickets", protocol = crate::wire::Wire)]
pub async fn admin_tickets(status: Option<String>, search: Option<String>, shown: Option<u32>) -> Result<Inbox, AppError> {
    use crate::services::{request::require_staff, services, support};
    require_staff()?;
    let query = support::InboxQuery::parse(status.as_deref().unwrap_or("open"), search.as_deref().unwrap_or(""), shown.unwrap_or(INBOX_PAGE))?;
    support::inbox(&*services()?, &query).await
}

/// How many open tickets wait for staff to read them.
#[server(endpoint = "admin/support_unread", protocol = crate::wire::Wire)]
pub async fn admin_unread_support() -> Result<i64, AppError> {
    use crate::services::{request::require_staff, services, support};
    require_staff()?;
    support::staff_unread(&*services()?).await
}

/// Whether the signed-in admin is mailed when a customer writes.
#[server(endpoint = "admin/support_mail", protocol = crate::wire::Wire)]
pub async fn admin_support_mail() -> Result<bool, AppError> {
    use crate::services::{request::require_staff, services, support_mail};
    let admin = require_staff()?;
    support_mail::wanted(&*services()?, admin.user_id).await
}

#[server(endpoint = "admin/set_support_mail", protocol = crate::wire::Wire)]
pub async fn admin_set_support_mail(enabled: String) -> Result<bool, AppError> {
    use crate::services::{request::require_staff, services, support_mail};
    let admin = require_staff()?;
    let on = match enabled.as_str() {
        "true" | "yes" | "on" => true,
        "false" | "no" | "off" => false,
        _ => return Err(AppError::Invalid("Say whether to mail you: on or off.".into())),
    };
    support_mail::set_wanted(&*services()?, admin.user_id, on).await?;
    Ok(on)
}

#[server(endpoint = "admin/support_thread", protocol = crate::wire::Wire)]
pub async fn admin_ticket_thread(ticket_id: i64) -> Result<TicketView, AppError> {
    use crate::services::{request::require_staff, services, support};
    let admin = require_staff()?;
    support::thread(&*services()?, ticket_id, support::Reader::Staff(admin.user_id)).await
}

#[server(endpoint = "admin/support_reply", protocol = crate::wire::Wire)]
pub async fn admin_reply_ticket(ticket_id: i64, message: String) -> Result<(), AppError> {
    use crate::services::{request::require_staff, services, support};
    let admin = require_staff()?;
    support::reply(&*services()?, ticket_id, support::Reader::Staff(admin.user_id), &message).await
}

#[server(endpoint = "admin/support_close", protocol = crate::wire::Wire)]
pub async fn admin_close_ticket(ticket_id: i64) -> Result<(), AppError> {
    use crate::services::{request::require_staff, services, support};
    let admin = require_staff()?;
    support::close(&*services()?, ticket_id, support::Reader::Staff(admin.user_id)).await
}

/// An answer support gives often (see `services::saved_replies`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedReply {
    pub id: i64,
    pub title: String,
    pub body: String,
}

#[server(endpoint = "admin/saved_replies", protocol = crate::wire::Wire)]
pub async fn admin_saved_replies() -> Result<Vec<SavedReply>, AppError> {
    use crate::services::{request::require_staff, saved_replies, services};
    require_staff()?;
    saved_replies::list(&*services()?).await
}

#[server(endpoint = "admin/add_saved_reply", protocol = crate::wire::Wire)]
pub async fn admin_add_saved_reply(title: String, body: String) -> Result<i64, AppError> {
    use crate::services::{request::require_staff, saved_replies, services};
    let admin = require_staff()?;
    saved_replies::add(&*services()?, admin.user_id, &title, &body).await
}

#[server(endpoint = "admin/edit_saved_reply", protocol = crate::wire::Wire)]
pub async fn admin_edit_saved_reply(id: i64, title: String, body: String) -> Result<(), AppError> {
    use crate::services::{request::require_staff, saved_replies, services};
    let admin = require_staff()?;
    saved_replies::edit(&*services()?, admin.user_id, id, &title, &body).await
}

#[server(endpoint = "admin/delete_saved_reply", protocol = crate::wire::Wire)]
pub async fn admin_delete_saved_reply(id: i64) -> Result<(), AppError> {
    use crate::services::{request::require_staff, saved_replies, services};
    let admin = require_staff()?;
    saved_replies::delete(&*services()?, admin.user_id, id).await
}
