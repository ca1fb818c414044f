//! One-time 6-digit codes sent by email (verification, password reset):
//! stored only as a keyed hash, valid for a limited time, dead after too
//! many wrong attempts, and throttled when resent. Each code remembers
//! the address it was mailed to: that address is what it proves.
use rand::Rng;

use super::clock::DAY_MS;
use super::{mailer::Mail, Services};
use crate::{domain::Email, error::AppError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    /// Mailed to the address an account is moving to.
    ChangeEmail,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::ChangeEmail => "change_email",
        }
    }
}

fn code_hash(svc: &Services, user_id: i64, purpose: Purpose, code: &str) -> String {
    super::tokens::keyed_hex(svc.signing_key.as_slice(), &[format!("code|{}|{user_id}|{code}", purpose.as_str()).as_bytes()])
}

/// Makes a new code (ending the previous ones) and queues the mail that
/// carries it, in one transaction: a code exists only with its mail.
/// `compose` writes the subject and body around the code.
pub async fn issue_and_mail(
    svc: &Services,
    user_id: i64,
    purpose: Purpose,
    to: &Email,
    compose: impl FnOnce(&str) -> (String, String),
) -> Result<(), AppError> {
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    // A code that could not be checked would only be a useless mail.
    refuse_after_too_many_wrong(svc, &mut tx, user_id, purpose, now).await?;
    let last: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(created_at) FROM email_codes WHERE user_id = $1 AND purpose = $2",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .fetch_one(&mut *tx)
    .await?;
    if let Some(last) = last {
        let wait = last + svc.auth.code_resend_interval_ms - now;
        if wait > 0 {
            return Err(AppError::RateLimited(((wait + 999) / 1000) as u64));
        }
    }
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    invalidate_live(&mut *tx, now, user_id, purpose).await?;
    let expires_at = now + svc.auth.code_ttl_ms;
    sqlx::query(
        "INSERT INTO email_codes (user_id, purpose, code_hash, attempts, created_at, expires_at, sent_to) \
         VALUES ($1, $2, $3, 0, $4, $5, $6)",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(code_hash(svc, user_id, purpose, &code))
    .bind(now)
    .bind(expires_at)
    .bind(to.as_str())
    .execute(&mut *tx)
    .await?;
    let (subject, body) = compose(&code);
    let mail = Mail {
        to,
        subject,
        body,
        send_before: expires_at,
        // The code just made ends the earlier one: its mail, if still
        // unsent, would only carry a dead code.
        replaces: Some(format!("code:{}:{user_id}", purpose.as_str())),
        about: None,
    };
    svc.mailer.enqueue(&mut tx, now, &mail).await?;
    tx.commit().await?;
    svc.mailer.wake();
    Ok(())
}

/// The address the live code for `purpose` was mailed to, if one is
/// live (unused, not ended, not expired).
pub async fn live_address(svc: &Services, user_id: i64, purpose: Purpose) -> Result<Option<String>, AppError> {
    let address: Option<Option<String>> = sqlx::query_scalar(
        "SELECT sent_to FROM email_codes \
         WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND invalidated_at IS NULL AND expires_at > $3 \
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(svc.now())
    .fetch_optional(&svc.db.pool)
    .await?;
    Ok(address.flatten())
}

/// Ends the live codes for `purpose`, as a user who gives up on them
/// asks. The resend interval still counts from the last one sent.
pub async fn end_live(svc: &Services, user_id: i64, purpose: Purpose) -> Result<(), AppError> {
    invalidate_live(&svc.db.pool, svc.now(), user_id, purpose).await
}

async fn invalidate_live<'e, E>(exec: E, now: i64, user_id: i64, purpose: Purpose) -> Result<(), AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "UPDATE email_codes SET invalidated_at = $1 \
         WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL AND invalidated_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(purpose.as_str())
    .execute(exec)
    .await?;
    Ok(())
}

/// Refuses when the account sent too many wrong codes for `purpose` in
/// the last 24 hours; the wait ends when the oldest of them leaves that
/// window.
async fn refuse_after_too_many_wrong(
    svc: &Services,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: i64,
    purpose: Purpose,
    now: i64,
) -> Result<(), AppError> {
    let wrong: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT created_at, attempts FROM email_codes \
         WHERE user_id = $1 AND purpose = $2 AND created_at > $3 AND attempts > 0 ORDER BY created_at DESC",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(now - DAY_MS)
    .fetch_all(&mut **tx)
    .await?;
    let mut total = 0;
    for (created_at, attempts) in wrong {
        total += attempts;
        if total >= svc.auth.code_max_wrong_per_day {
            // Newest first: this code's attempts are the ones to wait out.
            let wait_ms = created_at + DAY_MS - now;
            return Err(AppError::RateLimited(((wait_ms + 999) / 1000).max(1) as u64));
        }
    }
    Ok(())
}

/// A right code, marked used in a transaction the caller finishes: what
/// the code allows commits with it, or neither does (a crash or a
/// refusal in between leaves the code working).
pub struct Consumed {
    pub tx: sqlx::Transaction<'static, sqlx::Any>,
    /// The address the code was mailed to (None for codes made before
    /// addresses were kept).
    pub sent_to: Option<String>,
}

/// Marks the code used if it is right; counts a wrong attempt (and
/// commits that) otherwise.
pub async fn consume(svc: &Services, user_id: i64, purpose: Purpose, code: &str) -> Result<Consumed, AppError> {
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    refuse_after_too_many_wrong(svc, &mut tx, user_id, purpose, now).await?;
    let row: Option<(i64, String, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT id, code_hash, attempts, expires_at, sent_to FROM email_codes \
         WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND invalidated_at IS NULL \
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, stored, attempts, expires_at, sent_to)) = row else {
        return Err(AppError::Invalid("There is no valid code; request a new one.".into()));
    };
    if expires_at <= now {
        return Err(AppError::Invalid("This code has expired; request a new one.".into()));
    }
    let given = code_hash(svc, user_id, purpose, code);
    if !super::constant_time::eq(given.as_bytes(), stored.as_bytes()) {
        let attempts = attempts + 1;
        let dead = attempts >= svc.auth.code_max_attempts;
        sqlx::query("UPDATE email_codes SET attempts = $1, invalidated_at = $2 WHERE id = $3")
            .bind(attempts)
            .bind(dead.then_some(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Err(AppError::Invalid(if dead {
            "Too many wrong attempts: this code no longer works. Request a new one.".into()
        } else {
            format!("Wrong code. {} attempts left.", svc.auth.code_max_attempts - attempts)
        }));
    }
    sqlx::query("UPDATE email_codes SET used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(Consumed { tx, sent_to })
}
