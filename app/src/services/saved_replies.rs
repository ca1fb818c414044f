//! Support's saved replies: answers staff give often, kept by title. A
//! reply starts from one and is edited before it is sent. Adding, editing
//! and deleting one are audited, as every admin action is.
use super::{audit, support, Services};
use crate::{error::AppError, support::SavedReply};

/// Enough for the answers a small team repeats; the list stays a short select.
const MAX_SAVED: i64 = 100;

pub async fn list(svc: &Services) -> Result<Vec<SavedReply>, AppError> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as("SELECT id, title, body FROM saved_replies ORDER BY title").fetch_all(&svc.db.pool).await?;
    Ok(rows.into_iter().map(|(id, title, body)| SavedReply { id, title, body }).collect())
}

/// The title and text as kept: the title trimmed, on one line.
fn checked<'a>(title: &'a str, body: &'a str) -> Result<(&'a str, &'a str), AppError> {
    let title = title.trim();
    if !(3..=60).contains(&title.chars().count()) || title.chars().any(char::is_control) {
        return Err(AppError::Invalid("Give the saved reply a title of 3 to 60 characters, on one line.".into()));
    }
    Ok((title, support::check_message(body)?))
}

/// A title is a reply's name in the picker: two alike could not be told apart.
fn taken(title: &str, error: sqlx::Error) -> AppError {
    match error {
        sqlx::Error::Database(e) if e.is_unique_violation() => AppError::Invalid(format!("A saved reply is already called \u{201c}{title}\u{201d}.")),
        e => e.into(),
    }
}

pub async fn add(svc: &Services, admin_user_id: i64, title: &str, body: &str) -> Result<i64, AppError> {
    let (title, body) = checked(title, body)?;
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let saved: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM saved_replies").fetch_one(&mut *tx).await?;
    if saved >= MAX_SAVED {
        return Err(AppError::Invalid(format!("There are {MAX_SAVED} saved replies already; delete one first.")));
    }
    let id: i64 = sqlx::query_scalar("INSERT INTO saved_replies (title, body, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(title)
        .bind(body)
        .bind(admin_user_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| taken(title, e))?;
    audit::record(&mut *tx, now, admin_user_id, "support.saved_reply.add", None, "", title).await?;
    tx.commit().await?;
    Ok(id)
}

/// Rewrites a saved reply (its title, its text or both).
pub async fn edit(svc: &Services, admin_user_id: i64, id: i64, title: &str, body: &str) -> Result<(), AppError> {
    let (title, body) = checked(title, body)?;
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let before: Option<String> = sqlx::query_scalar("SELECT title FROM saved_replies WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
    let Some(before) = before else { return Err(AppError::NotFound) };
    sqlx::query("UPDATE saved_replies SET title = $1, body = $2 WHERE id = $3")
        .bind(title)
        .bind(body)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| taken(title, e))?;
    audit::record(&mut *tx, now, admin_user_id, "support.saved_reply.edit", None, &before, title).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(svc: &Services, admin_user_id: i64, id: i64) -> Result<(), AppError> {
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let title: Option<String> = sqlx::query_scalar("DELETE FROM saved_replies WHERE id = $1 RETURNING title").bind(id).fetch_optional(&mut *tx).await?;
    let Some(title) = title else { return Err(AppError::NotFound) };
    audit::record(&mut *tx, now, admin_user_id, "support.saved_reply.delete", None, &title, "").await?;
    tx.commit().await?;
    Ok(())
}
