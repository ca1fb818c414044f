//! Staff notes: what support and admins write down about a customer for
//! each other ("refunded lease #812 by hand", "asked for a receipt").
//! Customers never see them in the app; their data export includes them,
//! so a note is written as if the customer might read it.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Enough for a few paragraphs; a longer story belongs in a ticket.
pub const NOTE_MAX_CHARS: usize = 2000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffNote {
    pub id: i64,
    pub body: String,
    /// The username of the staff member who wrote it.
    pub author: String,
    pub created_at: i64,
    /// Its author and admins may delete a note; other support staff not.
    pub may_delete: bool,
}

/// A page of the notes on one customer, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerNotes {
    pub public_id: String,
    pub notes: Vec<StaffNote>,
    /// The cursor of the next (older) page; None on the last.
    pub next_before: Option<i64>,
}

/// The notes on a customer; always there (a deleted account is not
/// found), an `Option` only to share `admin_ticket_notes`'s shape, which
/// the one notes panel reads. In JSON, `Some` is the notes themselves.
#[server(endpoint = "admin/staff_notes", protocol = crate::wire::Wire)]
pub async fn admin_staff_notes(public_id: String, before: Option<i64>) -> Result<Option<CustomerNotes>, AppError> {
    use crate::services::{request::require_staff, services, staff_notes};
    let staff = require_staff()?;
    staff_notes::of_customer(&*services()?, &staff, &public_id, before).await.map(Some)
}

/// The notes on a ticket's customer; None once their account is deleted.
#[server(endpoint = "admin/ticket_notes", protocol = crate::wire::Wire)]
pub async fn admin_ticket_notes(ticket_id: i64, before: Option<i64>) -> Result<Option<CustomerNotes>, AppError> {
    use crate::services::{request::require_staff, services, staff_notes};
    let staff = require_staff()?;
    staff_notes::of_ticket_customer(&*services()?, &staff, ticket_id, before).await
}

#[server(endpoint = "admin/add_staff_note", protocol = crate::wire::Wire)]
pub async fn admin_add_staff_note(public_id: String, body: String) -> Result<i64, AppError> {
    use crate::services::{request::require_staff, services, staff_notes};
    let staff = require_staff()?;
    staff_notes::add(&*services()?, staff.user_id, &public_id, &body).await
}

#[server(endpoint = "admin/delete_staff_note", protocol = crate::wire::Wire)]
pub async fn admin_delete_staff_note(id: i64) -> Result<(), AppError> {
    use crate::services::{request::require_staff, services, staff_notes};
    let staff = require_staff()?;
    staff_notes::delete(&*services()?, &staff, id).await
}
