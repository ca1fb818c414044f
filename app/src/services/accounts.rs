//! Accounts: sign-up, sign-in, email verification, admin creation.
use rand::RngCore;

use super::{
    api_keys,
    email_codes::{self, Purpose},
    mailer::{notice_address, whence, Mail},
    rate_limit::{self, Action},
    passwords::{self, Verified},
    request::RequestMeta,
    security_log, sessions,
    sessions::IssuedTokens,
    two_step, Services,
};
use crate::{
    auth::SecurityEventKind,
    domain::{Email, Money, NewPassword, PublicUserId, Role, SecondStep, Username},
    error::AppError,
};

/// Consecutive failed sign-ins after which only a password reset or an
/// admin unlocks the account.
pub const LOCK_AFTER_FAILURES: i64 = 100;

pub struct SignUp {
    pub email: Email,
    pub username: Username,
    pub password: NewPassword,
}

async fn taken(svc: &Services, email: &Email, username: &Username) -> Result<(), AppError> {
    let email_taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&svc.db.pool)
        .await?;
    if email_taken.is_some() {
        return Err(AppError::Invalid("An account with this email exists already. Sign in, or reset your password.".into()));
    }
    let name_taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username.as_str())
        .fetch_optional(&svc.db.pool)
        .await?;
    if name_taken.is_some() {
        return Err(AppError::Invalid("This username is taken; choose another.".into()));
    }
    Ok(())
}

/// Inserts a user with a fresh public ID (retrying the rare collision).
async fn insert_user(svc: &Services, email: &Email, username: &Username, password_hash: &str, role: Role, verified: bool) -> Result<i64, AppError> {
    let now = svc.now();
    for _ in 0..8 {
        let mut bytes = [0u8; 6];
        rand::rng().fill_bytes(&mut bytes);
        let public_id = PublicUserId::from_random(bytes);
        let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(
            "INSERT INTO users (public_id, email, username, password_hash, role, email_verified_at, \
                                adult_confirmed_at, terms_version, terms_accepted_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7, $7) RETURNING id",
        )
        .bind(public_id.as_str())
        .bind(email.as_str())
        .bind(username.as_str())
        .bind(password_hash)
        .bind(role.as_str())
        .bind(verified.then_some(now))
        .bind(now)
        .bind(&svc.auth.terms_version)
        .fetch_one(&svc.db.pool)
        .await;
        match inserted {
            Ok(id) => return Ok(id),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                // A race on email or username, or a public ID collision.
                taken(svc, email, username).await?;
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
    tracing::error!("could not find a free public user id");
    Err(AppError::Internal)
}

/// How long an account waits after `failures` consecutive failed
/// sign-ins: nothing for the first four, then 1 s doubling up to 15 min.
pub fn failed_sign_in_delay_ms(failures: i64) -> i64 {
    if failures < 5 {
        0
    } else {
        (1000i64 << (failures - 5).min(10)).min(15 * 60_000)
    }
}

/// Creates a customer account, signs it in and mails a verification code.
pub async fn sign_up(svc: &Services, input: SignUp, meta: &RequestMeta) -> Result<IssuedTokens, AppError> {
    rate_limit::check(svc, Action::SignUp, &meta.ip, None).await?;
    taken(svc, &input.email, &input.username).await?;
    let hash = svc.hasher.hash(input.password.expose()).await?;
    let user_id = insert_user(svc, &input.email, &input.username, &hash, Role::Customer, false).await?;
    let mut tx = svc.db.begin_write().await?;
    security_log::record(&mut *tx, svc.now(), Some(user_id), SecurityEventKind::SignUp, meta, "").await?;
    let tokens = sessions::start(svc, &mut *tx, user_id, meta).await?;
    tx.commit().await?;
    // The account exists either way; a code that could not be queued can
    // be asked for again.
    if let Err(e) = send_verification_code(svc, user_id, &input.email).await {
        tracing::warn!(user_id, error = %e, "verification mail not queued at sign-up");
    }
    Ok(tokens)
}

pub async fn resend_verification_code(svc: &Services, user_id: i64, email: &str, meta: &RequestMeta) -> Result<(), AppError> {
    rate_limit::check(svc, Action::SendCode, &meta.ip, Some(email)).await?;
    let email = Email::parse(email).map_err(AppError::Invalid)?;
    send_verification_code(svc, user_id, &email).await
}

pub async fn send_verification_code(svc: &Services, user_id: i64, email: &Email) -> Result<(), AppError> {
    let (minutes, brand) = (svc.auth.code_ttl_ms / 60_000, &svc.brand);
    email_codes::issue_and_mail(svc, user_id, Purpose::VerifyEmail, email, |code| {
        (
            format!("Your verification code: {code}"),
            format!(
                "Your {brand} verification code is {code}\n\nIt is valid for {minutes} minutes. \
                 If you did not sign up, ignore this email.\n"
            ),
        )
    })
    .await
}

pub async fn verify_email(svc: &Services, user_id: i64, code: &str, meta: &RequestMeta) -> Result<(), AppError> {
    rate_limit::check(svc, Action::CheckCode, &meta.ip, Some(&user_id.to_string())).await?;
    let mut tx = email_codes::consume(svc, user_id, Purpose::VerifyEmail, code).await?.tx;
    let now = svc.now();
    sqlx::query("UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL")
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    security_log::record(&mut *tx, now, Some(user_id), SecurityEventKind::EmailVerified, meta, "").await?;
    svc.session_cache.commit_for_user(tx, user_id).await?;
    Ok(())
}

/// Signs in with email or username. The answer never tells which of the
/// two was wrong.
pub async fn sign_in(
    svc: &Services,
    login: &str,
    password: &str,
    second_step: Option<&SecondStep>,
    meta: &RequestMeta,
) -> Result<IssuedTokens, AppError> {
    let login = login.trim().to_lowercase();
    rate_limit::check(svc, Action::SignIn, &meta.ip, Some(&login)).await?;
    let row: Option<SignInRow> = sqlx::query_as(
        "SELECT id, password_hash, failed_signins, last_failed_signin_at, locked_at, disabled_at, deleted_at, \
         email, username, email_verified_at, totp_enabled_at FROM users WHERE email = $1 OR username = $1",
    )
    .bind(&login)
    .fetch_optional(&svc.db.pool)
    .await?;
    let now = svc.now();
    if let Some(SignInRow { failed_signins, last_failed_signin_at: Some(last_failed), .. }) = &row {
        let wait = failed_sign_in_delay_ms(*failed_signins) - (now - last_failed);
        if wait > 0 {
            return Err(AppError::RateLimited(((wait + 999) / 1000) as u64));
        }
    }
    let wrong = || AppError::Invalid("Wrong email, username or password.".into());
    let verified = svc.hasher.verify(password, row.as_ref().map(|r| r.password_hash.as_str())).await?;
    let Some(user) = row else {
        return Err(wrong());
    };
    if user.deleted_at.is_some() {
        return Err(wrong());
    }
    if user.locked_at.is_some() {
        return Err(AppError::Invalid("This account is locked after too many failed sign-ins. Reset your password to unlock it.".into()));
    }
    if verified == Verified::No {
        record_failed_sign_in(svc, &user, meta, "").await?;
        return Err(wrong());
    }
    if user.disabled_at.is_some() {
        return Err(AppError::Forbidden);
    }
    let needs_second_step = user.totp_enabled_at.is_some();
    if needs_second_step && second_step.is_none() {
        // The password was right: not a failure, but no session yet.
        return Err(AppError::SecondStepNeeded);
    }
    let new_hash = match verified {
        Verified::YesRehash => Some(svc.hasher.hash(password).await?),
        _ => None,
    };
    let mut tx = svc.db.begin_write().await?;
    let mut detail = "";
    if let (true, Some(code)) = (needs_second_step, second_step) {
        match two_step::passes(svc, &mut tx, user.id, code, now).await? {
            Some(two_step::Passed::AppCode) => {}
            Some(two_step::Passed::RecoveryCode) => detail = "with a recovery code",
            None => {
                tx.rollback().await?;
                record_failed_sign_in(svc, &user, meta, "wrong two-step code").await?;
                return Err(two_step::wrong_code(code));
            }
        }
    }
    sqlx::query("UPDATE users SET failed_signins = 0, last_failed_signin_at = NULL, password_hash = COALESCE($1, password_hash) WHERE id = $2")
        .bind(new_hash)
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    let browser = crate::account::describe_browser(&meta.user_agent);
    let new_browser = !security_log::knows_browser(&mut *tx, user.id, &browser).await?;
    security_log::record(&mut *tx, now, Some(user.id), SecurityEventKind::SignIn, meta, detail).await?;
    let tokens = sessions::start(svc, &mut *tx, user.id, meta).await?;
    let owner = notice_address(&user.email, user.email_verified_at);
    let notice_to = owner.as_ref().filter(|_| new_browser);
    if let Some(to) = notice_to {
        svc.mailer.enqueue(&mut tx, now, &new_browser_notice(&svc.brand, to, &user.username, &browser, &meta.ip, now)).await?;
    }
    // A recovery code stands in for a lost phone: the owner hears of each.
    let recovery_notice_to = owner.as_ref().filter(|_| !detail.is_empty());
    if let Some(to) = recovery_notice_to {
        let left = two_step::recovery_codes_left_in(&mut tx, user.id).await?;
        svc.mailer.enqueue(&mut tx, now, &two_step::recovery_code_notice(&svc.brand, to, &user.username, meta, left, now)).await?;
    }
    tx.commit().await?;
    if notice_to.is_some() || recovery_notice_to.is_some() {
        svc.mailer.wake();
    }
    Ok(tokens)
}

/// The account as a sign-in reads it.
#[derive(sqlx::FromRow)]
struct SignInRow {
    id: i64,
    password_hash: String,
    failed_signins: i64,
    last_failed_signin_at: Option<i64>,
    locked_at: Option<i64>,
    disabled_at: Option<i64>,
    deleted_at: Option<i64>,
    email: String,
    username: String,
    email_verified_at: Option<i64>,
    totp_enabled_at: Option<i64>,
}

/// A wrong password or second step: counted towards the growing wait and
/// the lock, and logged.
async fn record_failed_sign_in(svc: &Services, user: &SignInRow, meta: &RequestMeta, detail: &str) -> Result<(), AppError> {
    let now = svc.now();
    let failures = user.failed_signins + 1;
    let mut tx = svc.db.begin_write().await?;
    sqlx::query("UPDATE users SET failed_signins = $1, last_failed_signin_at = $2, locked_at = $3 WHERE id = $4")
        .bind(failures)
        .bind(now)
        .bind((failures >= LOCK_AFTER_FAILURES).then_some(now))
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    security_log::record(&mut *tx, now, Some(user.id), SecurityEventKind::SignInFailed, meta, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// A sign-in from a kind of browser the account never used: the owner
/// hears of it, and what to do if it was not them.
fn new_browser_notice<'a>(brand: &str, to: &'a Email, username: &str, browser: &str, ip: &str, now: i64) -> Mail<'a> {
    let body = format!(
        "Your {brand} account {username} was signed in from a browser it had not used before:\n\n\
         {browser}, IP address {ip}, {time}.\n\n\
         If this was you, there is nothing to do. If it was not, reset your password now \
         (\"Forgot password?\" on the sign-in page): that signs every device out. Your Account page \
         lists the devices signed in and the security log.\n",
        time = crate::components::local_time::format_utc(now),
    );
    Mail::notice(to, format!("New sign-in to {brand} from {browser}"), body, now)
}

/// Creates a verified admin account (the CLI's `admin create`).
pub async fn create_admin(svc: &Services, email: Email, username: Username, password: NewPassword) -> Result<PublicUserId, AppError> {
    create_verified(svc, email, username, password, Role::Admin).await.map(|(_, public_id)| public_id)
}

/// Creates an account whose email needs no verification (operator tools,
/// load tests); returns its id and public ID.
pub async fn create_verified(svc: &Services, email: Email, username: Username, password: NewPassword, role: Role) -> Result<(i64, PublicUserId), AppError> {
    taken(svc, &email, &username).await?;
    let hash = svc.hasher.hash(password.expose()).await?;
    let user_id = insert_user(svc, &email, &username, &hash, role, true).await?;
    let public_id: String = sqlx::query_scalar("SELECT public_id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&svc.db.pool)
        .await?;
    Ok((user_id, PublicUserId::parse(&public_id).map_err(|_| AppError::Internal)?))
}

/// Mails a reset code when the email belongs to an account. The answer is
/// the same either way, so it does not tell who has an account.
pub async fn request_password_reset(svc: &Services, email: &Email, meta: &RequestMeta) -> Result<(), AppError> {
    rate_limit::check(svc, Action::SendCode, &meta.ip, Some(email.as_str())).await?;
    let user: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1 AND deleted_at IS NULL")
        .bind(email.as_str())
        .fetch_optional(&svc.db.pool)
        .await?;
    let Some(user_id) = user else { return Ok(()) };
    let (minutes, brand) = (svc.auth.code_ttl_ms / 60_000, &svc.brand);
    let queued = email_codes::issue_and_mail(svc, user_id, Purpose::ResetPassword, email, |code| {
        (
            format!("Your password reset code: {code}"),
            format!(
                "Your {brand} password reset code is {code}\n\nIt is valid for {minutes} minutes. \
                 If you did not ask to reset your password, ignore this email; your password stays as it is.\n"
            ),
        )
    })
    .await;
    match queued {
        // Throttled: a code was sent a moment ago; say nothing more.
        Err(AppError::RateLimited(_)) => Ok(()),
        other => other,
    }
}

/// Sets a new password with an emailed code; every session ends and a
/// lock from failed sign-ins is lifted.
pub async fn reset_password(svc: &Services, email: &Email, code: &str, new_password: &str, meta: &RequestMeta) -> Result<(), AppError> {
    rate_limit::check(svc, Action::CheckCode, &meta.ip, Some(email.as_str())).await?;
    let user: Option<(i64, String)> = sqlx::query_as("SELECT id, username FROM users WHERE email = $1 AND deleted_at IS NULL")
        .bind(email.as_str())
        .fetch_optional(&svc.db.pool)
        .await?;
    let Some((user_id, username)) = user else {
        return Err(AppError::Invalid("There is no valid code; request a new one.".into()));
    };
    let password = NewPassword::parse(new_password, Some(&username), Some(email.as_str())).map_err(AppError::Invalid)?;
    // Hashed first: the write transaction that spends the code is not
    // held open through the hashing.
    let hash = svc.hasher.hash(password.expose()).await?;
    let mut tx = email_codes::consume(svc, user_id, Purpose::ResetPassword, code).await?.tx;
    let now = svc.now();
    sqlx::query(
        "UPDATE users SET password_hash = $1, failed_signins = 0, last_failed_signin_at = NULL, locked_at = NULL, \
         email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $3",
    )
    .bind(&hash)
    .bind(now)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    sessions::end_all(&mut *tx, now, user_id, None, "password_reset").await?;
    security_log::record(&mut *tx, now, Some(user_id), SecurityEventKind::PasswordReset, meta, "").await?;
    // The code proved this address.
    let to = notice_address(email.as_str(), Some(now));
    password_notice(svc, &mut tx, PasswordEvent::Reset, to.as_ref(), user_id, &username, meta).await?;
    svc.session_cache.commit_for_user(tx, user_id).await?;
    svc.mailer.wake();
    Ok(())
}

/// Changes the password of a signed-in user; the other sessions end.
pub async fn change_password(
    svc: &Services,
    user_id: i64,
    keep_session: &str,
    current: &str,
    new_password: &str,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let (username, email, verified_at): (String, String, Option<i64>) =
        sqlx::query_as("SELECT username, email, email_verified_at FROM users WHERE id = $1").bind(user_id).fetch_one(&svc.db.pool).await?;
    let password = NewPassword::parse(new_password, Some(&username), Some(&email)).map_err(AppError::Invalid)?;
    passwords::confirm(svc, user_id, current, meta).await?;
    let hash = svc.hasher.hash(password.expose()).await?;
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(&hash).bind(user_id).execute(&mut *tx).await?;
    sessions::end_all(&mut *tx, now, user_id, Some(keep_session), "password_changed").await?;
    security_log::record(&mut *tx, now, Some(user_id), SecurityEventKind::PasswordChanged, meta, "").await?;
    let to = notice_address(&email, verified_at);
    password_notice(svc, &mut tx, PasswordEvent::Changed, to.as_ref(), user_id, &username, meta).await?;
    svc.session_cache.commit_for_user(tx, user_id).await?;
    svc.mailer.wake();
    Ok(())
}

#[derive(Clone, Copy)]
enum PasswordEvent {
    Changed,
    Reset,
}

/// The owner hears that the password changed, from where, and which API
/// keys still work: a key outlives the password, so after a takeover the
/// owner must revoke it as well.
async fn password_notice(
    svc: &Services,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    event: PasswordEvent,
    to: Option<&Email>,
    user_id: i64,
    username: &str,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let Some(to) = to else { return Ok(()) };
    let now = svc.now();
    let keys = match api_keys::live_count(tx, user_id).await? {
        0 => String::new(),
        1 => "\n\nThe account's API key still works: a key does not depend on the password. If you did not make it, revoke it on your Account page.".into(),
        n => format!("\n\nThe account's {n} API keys still work: a key does not depend on the password. If you did not make them, revoke them on your Account page."),
    };
    let (subject, done, if_not_you) = match event {
        PasswordEvent::Changed => (
            "Your password was changed",
            "changed while signed in; every other device was signed out",
            "reset your password now (\"Forgot password?\" on the sign-in page)",
        ),
        PasswordEvent::Reset => (
            "Your password was reset",
            "reset with a code mailed to this address; every device was signed out",
            "someone reads this mailbox: change the mailbox's own password first, then reset this one again",
        ),
    };
    let body = format!(
        "The password of your {brand} account {username} was {done}, {whence}.{keys}\n\n\
         If this was you, there is nothing to do. If it was not, {if_not_you}; then contact support.\n",
        brand = svc.brand,
        whence = whence(meta, now),
    );
    svc.mailer.enqueue(tx, now, &Mail::notice(to, subject, body, now)).await
}

/// Grants or revokes a role. An admin cannot demote themself, so that an
/// installation never loses its last admin by accident.
pub async fn set_role(svc: &Services, admin_id: i64, public_id: &PublicUserId, role: Role, meta: &RequestMeta) -> Result<(), AppError> {
    let target: Option<(i64, String)> = sqlx::query_as("SELECT id, role FROM users WHERE public_id = $1 AND deleted_at IS NULL")
        .bind(public_id.as_str())
        .fetch_optional(&svc.db.pool)
        .await?;
    let Some((user_id, before)) = target else {
        return Err(AppError::Invalid(format!("No account has the user ID {public_id}.")));
    };
    if user_id == admin_id && role != Role::Admin {
        return Err(AppError::Invalid("You cannot remove your own admin role.".into()));
    }
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    sqlx::query("UPDATE users SET role = $1 WHERE id = $2").bind(role.as_str()).bind(user_id).execute(&mut *tx).await?;
    let detail = format!("{before} -> {} by admin #{admin_id}", role.as_str());
    security_log::record(&mut *tx, now, Some(user_id), SecurityEventKind::RoleChanged, meta, &detail).await?;
    super::audit::record(&mut *tx, now, admin_id, "user.role", Some(user_id), &before, role.as_str()).await?;
    // Sessions started under the old role end, so the new one applies at once.
    if before != role.as_str() {
        sessions::end_all(&mut *tx, now, user_id, None, "role_changed").await?;
    }
    svc.session_cache.commit_for_user(tx, user_id).await?;
    Ok(())
}

/// Deletes an account: personal data is removed or anonymised; the user
/// row stays (without email, name or password) so that ledger entries,
/// which billing law makes us keep, still point somewhere.
pub async fn delete_account(svc: &Services, user_id: i64, password: &str, give_up_balance: bool, meta: &RequestMeta) -> Result<(), AppError> {
    passwords::confirm(svc, user_id, password, meta).await?;
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    // Checked in the transaction that deletes, so no lease or top-up slips
    // in between.
    let (open_leases, balance): (i64, Option<i64>) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM leases WHERE user_id = $1 AND state IN ('active', 'code_received')), \
         (SELECT balance_cents FROM wallets WHERE user_id = $1)",
    )
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    if open_leases > 0 {
        return Err(AppError::Invalid("Cancel or finish your open lease on Get Number first.".into()));
    }
    let balance = Money::from_cents(balance.unwrap_or(0));
    if balance.cents() > 0 && !give_up_balance {
        return Err(AppError::Invalid(format!(
            "Your wallet still holds {balance}. Ask support to pay it back first, or tick the box to give it up."
        )));
    }
    // Mail not yet sent to the account (a notice waiting out an SMTP
    // outage), or quoting it to staff, is not sent after it is gone.
    sqlx::query("DELETE FROM mail_outbox WHERE to_addr = (SELECT email FROM users WHERE id = $1) OR about_user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE users SET email = $1, username = $2, password_hash = '!', email_verified_at = NULL, \
         role = 'customer', totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL, deleted_at = $3 WHERE id = $4",
    )
    .bind(format!("deleted-{user_id}@deleted.invalid"))
    .bind(format!("deleted-{user_id}"))
    .bind(now)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    // An open top-up request leaves the admins' list.
    super::top_up_requests::withdraw_in(&mut tx, now, user_id).await?;
    for table in ["sessions", "security_events", "email_codes", "recovery_codes", "stock_waits", "staff_notes", "balance_alerts"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1")).bind(user_id).execute(&mut *tx).await?;
    }
    // What the customer wrote, received and named is erased too; the rows
    // stay, so the books and the support inbox keep their shape.
    const REMOVED: &str = "[removed with the account]";
    for texts in [
        "support_messages SET body = $1 WHERE ticket_id IN (SELECT id FROM support_tickets WHERE user_id = $2)",
        "sms_messages SET body = $1, sender = '' WHERE lease_id IN (SELECT id FROM leases WHERE user_id = $2)",
    ] {
        sqlx::query(&format!("UPDATE {texts}")).bind(REMOVED).bind(user_id).execute(&mut *tx).await?;
    }
    sqlx::query("UPDATE leases SET label = NULL WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    for table in [
        "support_tickets SET subject = $1, status = 'closed', closed_at = COALESCE(closed_at, $3)",
        "api_keys SET name = $1, callback_url = NULL, callback_secret = NULL, revoked_at = COALESCE(revoked_at, $3)",
    ] {
        sqlx::query(&format!("UPDATE {table} WHERE user_id = $2")).bind(REMOVED).bind(user_id).bind(now).execute(&mut *tx).await?;
    }
    svc.session_cache.commit_for_user(tx, user_id).await?;
    Ok(())
}
