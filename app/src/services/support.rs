//! Support tickets: a customer opens one and follows its thread; admins
//! answer and close. Staff replies and closing are audited; who is
//! mailed about a message is `support_mail`'s rule.
use super::{audit, events::AccountChanged, leases, support_mail, Services};
use crate::{
    admin_dashboard::SupportFigures,
    error::AppError,
    domain::{SearchText, UsPhoneNumber},
    support::{Inbox, TicketCustomer, TicketMessage, TicketSummary, TicketView, INBOX_MAX},
};

/// Who reads or writes a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The ticket's owner, by user id.
    Customer(i64),
    /// An admin, by user id.
    Staff(i64),
}

const MAX_OPEN_TICKETS: i64 = 20;

pub(super) fn check_message(message: &str) -> Result<&str, AppError> {
    let message = message.trim();
    if message.is_empty() || message.chars().count() > 5000 {
        return Err(AppError::Invalid("Write a message of up to 5,000 characters.".into()));
    }
    Ok(message)
}

type SummaryRow = (i64, String, String, Option<i64>, i64, i64, Option<String>, Option<String>, i64);

/// The condition "message `m` of ticket `t` is one its reader has not
/// seen": the customer reads staff messages, staff the customer's. The
/// one definition of unread, for the lists, the badges and the mails.
pub(super) fn unread_by(staff: bool) -> &'static str {
    if staff {
        "m.ticket_id = t.id AND m.from_staff = 0 AND m.created_at > t.staff_read_at"
    } else {
        "m.ticket_id = t.id AND m.from_staff = 1 AND m.created_at > t.customer_read_at"
    }
}

/// Tickets as a list shows them to the customer or to staff; a query
/// adds its own WHERE.
fn summary_query(staff: bool) -> String {
    format!(
        "SELECT t.id, t.subject, t.status, t.lease_id, t.updated_at, \
         (SELECT COUNT(*) FROM support_messages m WHERE {}), u.public_id, u.username, t.closed_by_customer \
         FROM support_tickets t JOIN users u ON u.id = t.user_id",
        unread_by(staff)
    )
}

fn summary(row: SummaryRow, for_staff: bool) -> TicketSummary {
    let (id, subject, status, lease_id, updated_at, unread, public_id, username, closed_by_customer) = row;
    TicketSummary {
        id,
        subject,
        closed_by_customer: status == "closed" && closed_by_customer != 0,
        status,
        lease_id,
        updated_at,
        unread: unread > 0,
        customer: for_staff.then(|| TicketCustomer { public_id: public_id.unwrap_or_default(), username: username.unwrap_or_default() }),
    }
}

/// A customer's tickets, newest first, as the customer (`for_staff`
/// false) or support (on the admin's user page) reads them.
pub async fn tickets_of(svc: &Services, user_id: i64, for_staff: bool) -> Result<Vec<TicketSummary>, AppError> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!("{} WHERE t.user_id = $1 ORDER BY t.updated_at DESC LIMIT 100", summary_query(for_staff)))
        .bind(user_id)
        .fetch_all(&svc.db.pool)
        .await?;
    Ok(rows.into_iter().map(|r| summary(r, for_staff)).collect())
}

pub async fn customer_unread(svc: &Services, user_id: i64) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM support_tickets t WHERE t.user_id = $1 AND EXISTS (SELECT 1 FROM support_messages m WHERE {})",
        unread_by(false)
    ))
    .bind(user_id)
    .fetch_one(&svc.db.pool)
    .await?)
}

/// Open tickets with a customer message staff have not read: the admin
/// menu's badge.
pub async fn staff_unread(svc: &Services) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM support_tickets t WHERE t.status = 'open' AND EXISTS (SELECT 1 FROM support_messages m WHERE {})",
        unread_by(true)
    ))
    .fetch_one(&svc.db.pool)
    .await?)
}

/// The dashboard's support figures (the first-reply times read each
/// ticket's messages by the (ticket_id, id) index).
pub async fn figures(svc: &Services, since: i64) -> Result<SupportFigures, AppError> {
    let (open, awaiting_reply) = open_tickets(svc).await?;
    let opened: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT t.created_at, (SELECT MIN(m.created_at) FROM support_messages m WHERE m.ticket_id = t.id AND m.from_staff = 1) \
         FROM support_tickets t WHERE t.created_at >= $1 LIMIT 100000",
    )
    .bind(since)
    .fetch_all(&svc.db.pool)
    .await?;
    Ok(SupportFigures {
        open,
        awaiting_reply,
        opened_last_30_days: opened.len() as i64,
        median_secs_to_first_reply: super::dashboard::median_secs(opened.iter().filter_map(|(at, reply)| reply.map(|r| r - at)).collect()),
    })
}

/// Open tickets, and how many of them await support's reply (their last
/// message is the customer's).
pub async fn open_tickets(svc: &Services) -> Result<(i64, i64), AppError> {
    Ok(sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN (SELECT m.from_staff FROM support_messages m WHERE m.ticket_id = t.id ORDER BY m.id DESC LIMIT 1) = 0 \
                                   THEN 1 ELSE 0 END), 0) \
         FROM support_tickets t WHERE t.status = 'open'",
    )
    .fetch_one(&svc.db.pool)
    .await?)
}

/// What the admin inbox lists: "open", "closed" or "all" tickets; with a
/// search, those whose subject or a message contains it, whose customer
/// it names (user ID, part of username or email), or about a number (a US
/// phone number, written any usual way); the `shown` last updated.
pub struct InboxQuery {
    status: &'static str,
    search: SearchText,
    shown: u32,
}

impl InboxQuery {
    pub fn parse(status: &str, search: &str, shown: u32) -> Result<InboxQuery, AppError> {
        let status = match status {
            "open" => "open",
            "closed" => "closed",
            "all" => "all",
            _ => return Err(AppError::Invalid("Show open, closed or all tickets.".into())),
        };
        if !(1..=INBOX_MAX).contains(&shown) {
            return Err(AppError::Invalid(format!("Show 1 to {INBOX_MAX} tickets at once; search to find others.")));
        }
        Ok(InboxQuery { status, search: SearchText::parse(search).map_err(AppError::Invalid)?, shown })
    }
}

/// The admin inbox: the tickets `query` asks for, unread first.
pub async fn inbox(svc: &Services, query: &InboxQuery) -> Result<Inbox, AppError> {
    let filter = if query.status == "all" { "$1 = $1" } else { "t.status = $1" };
    let search = &query.search;
    // No number: a value no lease holds.
    let number = UsPhoneNumber::parse(search.as_str()).map(|n| n.as_str().to_string()).unwrap_or_default();
    // One more than shown tells whether there are more.
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "{} WHERE {filter} AND ($2 = '' OR LOWER(t.subject) LIKE $3 ESCAPE '\\' OR LOWER(u.public_id) = $2 \
         OR LOWER(u.username) LIKE $3 ESCAPE '\\' OR LOWER(u.email) LIKE $3 ESCAPE '\\' \
         OR EXISTS (SELECT 1 FROM support_messages b WHERE b.ticket_id = t.id AND LOWER(b.body) LIKE $3 ESCAPE '\\') \
         OR EXISTS (SELECT 1 FROM leases l WHERE l.id = t.lease_id AND l.e164 = $4)) \
         ORDER BY t.updated_at DESC, t.id DESC LIMIT $5",
        summary_query(true)
    ))
    .bind(query.status)
    .bind(search.as_str())
    .bind(search.contains_pattern())
    .bind(number)
    .bind(i64::from(query.shown) + 1)
    .fetch_all(&svc.db.pool)
    .await?;
    let more = rows.len() > query.shown as usize;
    let mut tickets: Vec<TicketSummary> = rows.into_iter().take(query.shown as usize).map(|r| summary(r, true)).collect();
    tickets.sort_by_key(|t| !t.unread); // stable: unread first, newest first within
    Ok(Inbox { tickets, more })
}

pub async fn open(svc: &Services, user_id: i64, subject: &str, message: &str, lease_id: Option<i64>) -> Result<i64, AppError> {
    let subject = subject.trim();
    if subject.chars().count() < 3 || subject.chars().count() > 120 {
        return Err(AppError::Invalid("Give the ticket a subject of 3 to 120 characters.".into()));
    }
    if subject.chars().any(char::is_control) {
        return Err(AppError::Invalid("Write the subject on one line.".into()));
    }
    let message = check_message(message)?;
    if let Some(lease_id) = lease_id {
        let owned: Option<i64> = sqlx::query_scalar("SELECT id FROM leases WHERE id = $1 AND user_id = $2")
            .bind(lease_id)
            .bind(user_id)
            .fetch_optional(&svc.db.pool)
            .await?;
        if owned.is_none() {
            return Err(AppError::Invalid("Choose the lease from the list.".into()));
        }
    }
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM support_tickets WHERE user_id = $1 AND status = 'open'")
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
    if open >= MAX_OPEN_TICKETS {
        return Err(AppError::Invalid("You have many open tickets; please continue in one of them.".into()));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO support_tickets (user_id, subject, lease_id, status, created_at, updated_at, customer_read_at) \
         VALUES ($1, $2, $3, 'open', $4, $4, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(subject)
    .bind(lease_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO support_messages (ticket_id, author_user_id, from_staff, body, created_at) VALUES ($1, $2, 0, $3, $4)")
        .bind(id)
        .bind(user_id)
        .bind(message)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let mailed = support_mail::customer_wrote(svc, &mut tx, id, message, true).await?;
    // Staff's open console counts it at once.
    let change = AccountChanged::ticket(user_id, id);
    svc.events.announce_in(&mut tx, change).await?;
    tx.commit().await?;
    svc.events.committed(change);
    if mailed {
        svc.mailer.wake();
    }
    Ok(id)
}

/// The ticket's owner (None: no such ticket, or not the customer's).
async fn owner(svc: &Services, ticket_id: i64, reader: Reader) -> Result<i64, AppError> {
    let owner: Option<i64> = sqlx::query_scalar("SELECT user_id FROM support_tickets WHERE id = $1")
        .bind(ticket_id)
        .fetch_optional(&svc.db.pool)
        .await?;
    match (owner, reader) {
        (Some(owner), Reader::Customer(user)) if owner == user => Ok(owner),
        (Some(owner), Reader::Staff(_)) => Ok(owner),
        _ => Err(AppError::NotFound),
    }
}

/// The thread, marked read for whoever reads it.
pub async fn thread(svc: &Services, ticket_id: i64, reader: Reader) -> Result<TicketView, AppError> {
    let events_cursor = svc.events.cursor();
    let owner = owner(svc, ticket_id, reader).await?;
    let staff = matches!(reader, Reader::Staff(_));
    let row: SummaryRow = sqlx::query_as(&format!("{} WHERE t.id = $1", summary_query(staff)))
        .bind(ticket_id)
        .fetch_one(&svc.db.pool)
        .await?;
    let ticket = summary(row, staff);
    // What the number received answers most questions about a lease.
    let lease = match ticket.lease_id {
        Some(lease_id) => leases::of_customer(svc, owner, lease_id).await?,
        None => None,
    };
    let messages: Vec<(i64, Option<String>, String, i64)> = sqlx::query_as(
        "SELECT m.from_staff, u.username, m.body, m.created_at FROM support_messages m JOIN users u ON u.id = m.author_user_id \
         WHERE m.ticket_id = $1 ORDER BY m.id",
    )
    .bind(ticket_id)
    .fetch_all(&svc.db.pool)
    .await?;
    let column = if staff { "staff_read_at" } else { "customer_read_at" };
    sqlx::query(&format!("UPDATE support_tickets SET {column} = $1 WHERE id = $2"))
        .bind(svc.now())
        .bind(ticket_id)
        .execute(&svc.db.pool)
        .await?;
    Ok(TicketView {
        ticket,
        lease,
        events_cursor,
        messages: messages
            .into_iter()
            .map(|(from_staff, username, body, at)| TicketMessage {
                from_staff: from_staff != 0,
                // Customers see "Support", not which admin answered.
                author: if from_staff != 0 && !staff { "Support".into() } else { username.unwrap_or_default() },
                body,
                at,
            })
            .collect(),
    })
}

/// A reply; a customer's reply reopens a closed ticket. The other side
/// is mailed when the thread held nothing unread for them.
pub async fn reply(svc: &Services, ticket_id: i64, reader: Reader, message: &str) -> Result<(), AppError> {
    let message = check_message(message)?;
    let owner = owner(svc, ticket_id, reader).await?;
    let now = svc.now();
    let (author, staff) = match reader {
        Reader::Customer(user) => (user, false),
        Reader::Staff(admin) => (admin, true),
    };
    let mut tx = svc.db.begin_write().await?;
    // The ticket's row first: on PostgreSQL this update locks it, so a
    // concurrent reply waits for this one's commit and then counts its
    // message as unread (one mail per round). SQLite's writers queue anyway.
    let read_column = if staff { "staff_read_at" } else { "customer_read_at" };
    let reopen = if staff { "" } else { ", status = 'open', closed_at = NULL" };
    sqlx::query(&format!("UPDATE support_tickets SET updated_at = $1, {read_column} = $1{reopen} WHERE id = $2"))
        .bind(now)
        .bind(ticket_id)
        .execute(&mut *tx)
        .await?;
    let already_told = support_mail::reader_has_unread(&mut tx, ticket_id, !staff).await?;
    sqlx::query("INSERT INTO support_messages (ticket_id, author_user_id, from_staff, body, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(ticket_id)
        .bind(author)
        .bind(i64::from(staff))
        .bind(message)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    if staff {
        audit::record(&mut *tx, now, author, "support.reply", Some(owner), &format!("ticket {ticket_id}"), &message.chars().take(200).collect::<String>())
            .await?;
    }
    let mailed = match (already_told, staff) {
        (true, _) => false,
        (false, true) => support_mail::answered(svc, &mut tx, ticket_id, message).await?,
        (false, false) => support_mail::customer_wrote(svc, &mut tx, ticket_id, message, false).await?,
    };
    // The open ticket pages show it at once: the customer's (another tab
    // too) and staff's.
    let change = AccountChanged::ticket(owner, ticket_id);
    svc.events.announce_in(&mut tx, change).await?;
    tx.commit().await?;
    svc.events.committed(change);
    if mailed {
        svc.mailer.wake();
    }
    Ok(())
}

/// Closes a ticket: support when it is dealt with (audited), or the
/// customer when the question is answered. A customer's reply reopens it.
pub async fn close(svc: &Services, ticket_id: i64, reader: Reader) -> Result<(), AppError> {
    let owner = owner(svc, ticket_id, reader).await?;
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let closed = sqlx::query("UPDATE support_tickets SET status = 'closed', closed_at = $1, updated_at = $1, closed_by_customer = $3 WHERE id = $2 AND status = 'open'")
        .bind(now)
        .bind(ticket_id)
        .bind(i64::from(matches!(reader, Reader::Customer(_))))
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if closed == 0 {
        return Err(AppError::Invalid("The ticket is already closed.".into()));
    }
    if let Reader::Staff(admin_user_id) = reader {
        audit::record(&mut *tx, now, admin_user_id, "support.close", Some(owner), &format!("ticket {ticket_id} open"), "closed").await?;
    }
    let change = AccountChanged::ticket(owner, ticket_id);
    svc.events.announce_in(&mut tx, change).await?;
    tx.commit().await?;
    svc.events.committed(change);
    Ok(())
}
