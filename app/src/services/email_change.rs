//! Changing a signed-in account's email. The password is asked first; a
//! code goes to the new address, and the account moves only when that
//! code comes back, so the new address is verified by the move. The old
//! address, if it was verified, is told.
use super::{
    email_codes::{self, Purpose},
    mailer::{notice_address, Mail},
    passwords,
    rate_limit::{self, Action},
    request::RequestMeta,
    security_log, Services,
};
use crate::{auth::SecurityEventKind, domain::Email, error::AppError};

/// Checks the password and mails a code to `new_email`.
pub async fn request(svc: &Services, user_id: i64, new_email: &Email, password: &str, meta: &RequestMeta) -> Result<(), AppError> {
    rate_limit::check(svc, Action::SendCode, &meta.ip, Some(new_email.as_str())).await?;
    let current: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1 AND deleted_at IS NULL")
        .bind(user_id)
        .fetch_optional(&svc.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    if current == new_email.as_str() {
        return Err(AppError::Invalid("This is your email already.".into()));
    }
    passwords::confirm(svc, user_id, password, meta).await?;
    taken_by_another(svc, user_id, new_email).await?;
    let (minutes, brand) = (svc.auth.code_ttl_ms / 60_000, &svc.brand);
    email_codes::issue_and_mail(svc, user_id, Purpose::ChangeEmail, new_email, |code| {
        (
            format!("Your code to change your email: {code}"),
            format!(
                "Your {brand} email change code is {code}\n\nEnter it on your Account page to make this \
                 address your account's email. It is valid for {minutes} minutes. If you did not ask for \
                 this, ignore this email; nothing changes.\n"
            ),
        )
    })
    .await
}

/// The address a change waits to be confirmed for, if a code is live:
/// the page shows the code step again after a reload.
pub async fn pending(svc: &Services, user_id: i64) -> Result<Option<String>, AppError> {
    email_codes::live_address(svc, user_id, Purpose::ChangeEmail).await
}

/// Gives up the change waiting for its code: the code mailed to the new
/// address stops working, and the page no longer opens at that step.
pub async fn abandon(svc: &Services, user_id: i64) -> Result<(), AppError> {
    email_codes::end_live(svc, user_id, Purpose::ChangeEmail).await
}

async fn taken_by_another(svc: &Services, user_id: i64, email: &Email) -> Result<(), AppError> {
    let other: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1 AND id <> $2")
        .bind(email.as_str())
        .bind(user_id)
        .fetch_optional(&svc.db.pool)
        .await?;
    match other {
        Some(_) => Err(AppError::Invalid("Another account uses this email.".into())),
        None => Ok(()),
    }
}

/// Moves the account to the address the code was mailed to and answers
/// that address. Every code sent before (to the old address) ends.
/// `contact` tells the old address's owner how to reach the operator.
pub async fn confirm(svc: &Services, user_id: i64, code: &str, contact: &str, meta: &RequestMeta) -> Result<Email, AppError> {
    rate_limit::check(svc, Action::CheckCode, &meta.ip, Some(&user_id.to_string())).await?;
    // The code is spent only with the move: a fault between the two
    // leaves it working.
    let email_codes::Consumed { mut tx, sent_to } = email_codes::consume(svc, user_id, Purpose::ChangeEmail, code).await?;
    // Email change codes always record their address.
    let new_email = sent_to.as_deref().map(Email::parse).and_then(Result::ok).ok_or(AppError::Internal)?;
    let now = svc.now();
    let (old, username, old_verified): (String, String, Option<i64>) =
        sqlx::query_as("SELECT email, username, email_verified_at FROM users WHERE id = $1 AND deleted_at IS NULL")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AppError::NotFound)?;
    let moved = sqlx::query("UPDATE users SET email = $1, email_verified_at = $2 WHERE id = $3")
        .bind(new_email.as_str())
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await;
    match moved {
        Ok(_) => {}
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(AppError::Invalid("Another account took this email meanwhile; choose another.".into()));
        }
        Err(e) => return Err(e.into()),
    }
    sqlx::query("UPDATE email_codes SET invalidated_at = $1 WHERE user_id = $2 AND used_at IS NULL AND invalidated_at IS NULL")
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    security_log::record(&mut *tx, now, Some(user_id), SecurityEventKind::EmailChanged, meta, &format!("{old} -> {new_email}")).await?;
    let notice_to = notice_address(&old, old_verified);
    if let Some(to) = &notice_to {
        let brand = &svc.brand;
        let body = format!(
            "The email of your {brand} account {username} was changed from this address to another one. \
             Mail about your account, codes included, now goes there.\n\nIf you did not make this change, \
             {contact}\n"
        );
        let mail = Mail::notice(to, format!("Your {brand} email was changed"), body, now);
        svc.mailer.enqueue(&mut tx, now, &mail).await?;
    }
    svc.session_cache.commit_for_user(tx, user_id).await?;
    if notice_to.is_some() {
        svc.mailer.wake();
    }
    Ok(new_email)
}
