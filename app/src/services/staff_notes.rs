//! Staff notes on a customer (see `crate::staff_notes`): written by
//! support staff or admins, deleted by their author or an admin, erased
//! with the customer's account. Adding and deleting are audited.
use super::{admin_users, audit, paging::NewestFirst, request::Authenticated, Services};
use crate::{
    domain::Desk,
    error::AppError,
    staff_notes::{CustomerNotes, StaffNote, NOTE_MAX_CHARS},
};

/// Notes listed at a time; "Older" shows the next ones.
const PAGE: NewestFirst = NewestFirst { size: 20 };

/// The audit log names a note by its first words.
fn excerpt(body: &str) -> String {
    let mut short: String = body.chars().take(80).collect();
    if short.len() < body.len() {
        short.push('…');
    }
    short
}

fn checked(body: &str) -> Result<&str, AppError> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > NOTE_MAX_CHARS {
        return Err(AppError::Invalid("Write a note of up to 2,000 characters.".into()));
    }
    Ok(body)
}

/// One page of a customer's notes, newest first, older than `before`.
async fn listed(svc: &Services, reader: &Authenticated, user_id: i64, public_id: String, before: Option<i64>) -> Result<CustomerNotes, AppError> {
    let rows: Vec<(i64, String, String, i64, i64)> = sqlx::query_as(
        "SELECT n.id, n.body, a.username, n.created_at, n.author_id FROM staff_notes n JOIN users a ON a.id = n.author_id \
         WHERE n.user_id = $1 AND n.id < $2 ORDER BY n.id DESC LIMIT $3",
    )
    .bind(user_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(PAGE.limit())
    .fetch_all(&svc.db.pool)
    .await?;
    let (rows, next_before) = PAGE.page(rows, |r| r.0);
    let admin = reader.viewer.role.may_use(Desk::Operations);
    let notes = rows
        .into_iter()
        .map(|(id, body, author, created_at, author_id)| StaffNote { id, body, author, created_at, may_delete: admin || author_id == reader.user_id })
        .collect();
    Ok(CustomerNotes { public_id, notes, next_before })
}

pub async fn of_customer(svc: &Services, reader: &Authenticated, public_id: &str, before: Option<i64>) -> Result<CustomerNotes, AppError> {
    let (user_id, user) = admin_users::find(svc, public_id).await?;
    listed(svc, reader, user_id, user.public_id, before).await
}

/// The notes on whoever opened the ticket; None when they deleted their account.
pub async fn of_ticket_customer(svc: &Services, reader: &Authenticated, ticket_id: i64, before: Option<i64>) -> Result<Option<CustomerNotes>, AppError> {
    let owner: Option<(i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT u.id, u.public_id, u.deleted_at FROM support_tickets t JOIN users u ON u.id = t.user_id WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_optional(&svc.db.pool)
    .await?;
    match owner {
        None => Err(AppError::NotFound),
        Some((_, _, Some(_deleted))) => Ok(None),
        Some((user_id, public_id, None)) => Ok(Some(listed(svc, reader, user_id, public_id, before).await?)),
    }
}

pub async fn add(svc: &Services, author_id: i64, public_id: &str, body: &str) -> Result<i64, AppError> {
    let body = checked(body)?;
    let (user_id, _) = admin_users::find(svc, public_id).await?;
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let id: i64 = sqlx::query_scalar("INSERT INTO staff_notes (user_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(user_id)
        .bind(author_id)
        .bind(body)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
    audit::record(&mut *tx, now, author_id, "user.note.add", Some(user_id), "", &excerpt(body)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Its author or an admin deletes a note; other support staff are refused.
pub async fn delete(svc: &Services, actor: &Authenticated, id: i64) -> Result<(), AppError> {
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let note: Option<(i64, i64, String)> = sqlx::query_as("SELECT user_id, author_id, body FROM staff_notes WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some((user_id, author_id, body)) = note else { return Err(AppError::NotFound) };
    if author_id != actor.user_id && !actor.viewer.role.may_use(Desk::Operations) {
        return Err(AppError::Forbidden);
    }
    sqlx::query("DELETE FROM staff_notes WHERE id = $1").bind(id).execute(&mut *tx).await?;
    audit::record(&mut *tx, now, actor.user_id, "user.note.delete", Some(user_id), &excerpt(&body), "").await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{checked, excerpt};

    #[test]
    fn notes_are_trimmed_and_bounded() {
        assert_eq!(checked("  Paid by hand.\n").ok(), Some("Paid by hand."));
        assert!(checked(" \n ").is_err());
        assert!(checked(&"é".repeat(2000)).is_ok());
        assert!(checked(&"é".repeat(2001)).is_err());
    }

    #[test]
    fn the_audit_log_quotes_the_first_words() {
        assert_eq!(excerpt("short"), "short");
        let long = "word ".repeat(40);
        assert_eq!(excerpt(&long).chars().count(), 81);
        assert!(excerpt(&long).ends_with('…'));
    }
}
