//! Two-step sign-in: after the password, a code from an authenticator app
//! (TOTP, RFC 6238: SHA-1, 6 digits, 30-second steps, one step of clock
//! drift either way) or a single-use recovery code. Each app code is good
//! once. The secret is sealed under a key derived from the server's key,
//! so a copy of the database alone cannot make codes.
use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    XChaCha20Poly1305, XNonce,
};
use rand::RngCore;
use sqlx::{Any, Transaction};
use totp_rs::{Builder, Totp};

use super::{
    mailer::{notice_address, whence, Mail},
    passwords,
    rate_limit::{self, Action},
    request::RequestMeta,
    security_log, sessions, tokens, Services,
};
use crate::{
    auth::SecurityEventKind,
    domain::{
        second_step::{recovery_code_from_random, RECOVERY_CODE_LEN},
        Email, PublicUserId, SecondStep,
    },
    error::AppError,
    two_step::TwoStepSetup,
};

const RECOVERY_CODES: usize = 10;
const SECRET_BYTES: usize = 20;
const NONCE_BYTES: usize = 24;

/// What a passed second step used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passed {
    AppCode,
    RecoveryCode,
}

/// Checks the password and starts a setup: a new secret, kept but not in
/// force until `enable` sees a code made from it.
pub async fn begin(svc: &Services, user_id: i64, password: &str, meta: &RequestMeta) -> Result<TwoStepSetup, AppError> {
    let (username, enabled): (String, Option<i64>) =
        sqlx::query_as("SELECT username, totp_enabled_at FROM users WHERE id = $1 AND deleted_at IS NULL")
            .bind(user_id)
            .fetch_optional(&svc.db.pool)
            .await?
            .ok_or(AppError::NotFound)?;
    if enabled.is_some() {
        return Err(AppError::Invalid("Two-step sign-in is on already.".into()));
    }
    passwords::confirm(svc, user_id, password, meta).await?;
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut secret);
    let sealed = seal(svc, user_id, &secret)?;
    let mut tx = svc.db.begin_write().await?;
    sqlx::query("UPDATE users SET totp_secret = $1, totp_last_step = NULL WHERE id = $2 AND totp_enabled_at IS NULL")
        .bind(&sealed)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let totp = totp(svc, secret, &username)?;
    let uri = totp.to_url().map_err(|e| internal("otpauth URI", e))?;
    Ok(TwoStepSetup { secret: grouped(&totp.secret().to_base32()), qr_svg: qr_svg(&uri)?, uri })
}

/// Puts the setup in force with a code from the app, and answers the
/// account's recovery codes (shown once). Every other session ends.
pub async fn enable(svc: &Services, user_id: i64, this_session: &str, code: &SecondStep, meta: &RequestMeta) -> Result<Vec<String>, AppError> {
    rate_limit::check(svc, Action::CheckCode, &meta.ip, Some(&user_id.to_string())).await?;
    let SecondStep::AppCode(code) = code else {
        return Err(AppError::Invalid("Enter the 6-digit code your authenticator app shows.".into()));
    };
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let (username, sealed, enabled): (String, Option<String>, Option<i64>) =
        sqlx::query_as("SELECT username, totp_secret, totp_enabled_at FROM users WHERE id = $1 AND deleted_at IS NULL")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AppError::NotFound)?;
    if enabled.is_some() {
        return Err(AppError::Invalid("Two-step sign-in is on already.".into()));
    }
    let sealed = sealed.ok_or_else(|| AppError::Invalid("Start the setup again: enter your password first.".into()))?;
    let totp = totp(svc, open(svc, user_id, &sealed)?, &username)?;
    let Some(step) = totp.check(code, unix_seconds(now)) else {
        return Err(wrong_app_code());
    };
    sqlx::query("UPDATE users SET totp_enabled_at = $1, totp_last_step = $2 WHERE id = $3")
        .bind(now)
        .bind(step as i64)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let codes = replace_recovery_codes(svc, &mut tx, user_id, now).await?;
    // The other devices signed in with the password alone, which may be
    // what the owner suspects was stolen; and an admin's console opens
    // only to sessions that passed the second step.
    let ended = sessions::end_all(&mut *tx, now, user_id, Some(this_session), "two_step_enabled").await?;
    let detail = if ended == 0 { String::new() } else { format!("{ended} other device(s) signed out") };
    security_log::record(&mut *tx, now, Some(user_id), SecurityEventKind::TwoStepEnabled, meta, &detail).await?;
    svc.session_cache.commit_for_user(tx, user_id).await?;
    Ok(codes)
}

/// Turns two-step sign-in off, with the password and a code (from the app
/// or a recovery code). A verified owner is told by mail.
pub async fn disable(svc: &Services, user_id: i64, password: &str, code: &SecondStep, meta: &RequestMeta) -> Result<(), AppError> {
    rate_limit::check(svc, Action::CheckCode, &meta.ip, Some(&user_id.to_string())).await?;
    passwords::confirm(svc, user_id, password, meta).await?;
    let mut tx = svc.db.begin_write().await?;
    if passes(svc, &mut tx, user_id, code, svc.now()).await?.is_none() {
        return Err(wrong_code(code));
    }
    switch_off(svc, tx, user_id, meta, "").await
}

/// The operator turns two-step sign-in off for an owner who lost both the
/// phone and the recovery codes (`server admin two-step-off`), once they
/// proved who they are outside the site. The owner is told by mail.
pub async fn turn_off_for_owner(svc: &Services, public_id: &PublicUserId, meta: &RequestMeta) -> Result<(), AppError> {
    let mut tx = svc.db.begin_write().await?;
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE public_id = $1 AND deleted_at IS NULL AND totp_enabled_at IS NOT NULL")
        .bind(public_id.as_str())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::Invalid(format!("No account with two-step sign-in on has the user ID {public_id}.")))?;
    switch_off(svc, tx, user_id, meta, "by the operator").await
}

async fn switch_off(svc: &Services, mut tx: Transaction<'static, Any>, user_id: i64, meta: &RequestMeta, detail: &str) -> Result<(), AppError> {
    let now = svc.now();
    sqlx::query("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    security_log::record(&mut *tx, now, Some(user_id), SecurityEventKind::TwoStepDisabled, meta, detail).await?;
    let (email, username, verified): (String, String, Option<i64>) =
        sqlx::query_as("SELECT email, username, email_verified_at FROM users WHERE id = $1").bind(user_id).fetch_one(&mut *tx).await?;
    let notice_to = notice_address(&email, verified);
    if let Some(to) = &notice_to {
        svc.mailer.enqueue(&mut tx, now, &turned_off_notice(&svc.brand, to, &username, meta, now)).await?;
    }
    svc.session_cache.commit_for_user(tx, user_id).await?;
    if notice_to.is_some() {
        svc.mailer.wake();
    }
    Ok(())
}

/// New recovery codes, with the password; the old ones stop working.
pub async fn renew_recovery_codes(svc: &Services, user_id: i64, password: &str, meta: &RequestMeta) -> Result<Vec<String>, AppError> {
    passwords::confirm(svc, user_id, password, meta).await?;
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let on: Option<i64> = sqlx::query_scalar("SELECT totp_enabled_at FROM users WHERE id = $1").bind(user_id).fetch_one(&mut *tx).await?;
    if on.is_none() {
        return Err(AppError::Invalid("Turn two-step sign-in on first.".into()));
    }
    let codes = replace_recovery_codes(svc, &mut tx, user_id, now).await?;
    security_log::record(&mut *tx, now, Some(user_id), SecurityEventKind::RecoveryCodesRenewed, meta, "").await?;
    tx.commit().await?;
    Ok(codes)
}

/// How many unused recovery codes the account has.
pub async fn recovery_codes_left_in(tx: &mut Transaction<'static, Any>, user_id: i64) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await?)
}

/// Checks a second step in the caller's transaction and spends it: an app
/// code's time step (or a later one) is not accepted again, a recovery
/// code is used up. None when it does not pass.
pub async fn passes(
    svc: &Services,
    tx: &mut Transaction<'static, Any>,
    user_id: i64,
    code: &SecondStep,
    now: i64,
) -> Result<Option<Passed>, AppError> {
    match code {
        SecondStep::AppCode(code) => {
            let (username, sealed): (String, Option<String>) =
                sqlx::query_as("SELECT username, totp_secret FROM users WHERE id = $1 AND totp_enabled_at IS NOT NULL")
                    .bind(user_id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or(AppError::Invalid("Two-step sign-in is off.".into()))?;
            let sealed = sealed.ok_or(AppError::Internal)?;
            let Some(step) = totp(svc, open(svc, user_id, &sealed)?, &username)?.check(code, unix_seconds(now)) else {
                return Ok(None);
            };
            // Conditional, so two requests racing with one code cannot both pass.
            let spent = sqlx::query(
                "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
            )
            .bind(step as i64)
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
            Ok((spent.rows_affected() == 1).then_some(Passed::AppCode))
        }
        SecondStep::RecoveryCode(code) => {
            let spent = sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
                .bind(now)
                .bind(user_id)
                .bind(recovery_hash(svc, user_id, code))
                .execute(&mut **tx)
                .await?;
            Ok((spent.rows_affected() == 1).then_some(Passed::RecoveryCode))
        }
    }
}

/// The refusal for a second step that did not pass.
pub fn wrong_code(code: &SecondStep) -> AppError {
    match code {
        SecondStep::AppCode(_) => wrong_app_code(),
        SecondStep::RecoveryCode(_) => AppError::Invalid("That recovery code is not right, or it was used already.".into()),
    }
}

fn wrong_app_code() -> AppError {
    AppError::Invalid(
        "That code is not right, or it was used already. Check that your phone's clock is right, then enter the code the app shows now."
            .into(),
    )
}

/// New recovery codes in place of the account's, as shown (once).
async fn replace_recovery_codes(
    svc: &Services,
    tx: &mut Transaction<'static, Any>,
    user_id: i64,
    now: i64,
) -> Result<Vec<String>, AppError> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut **tx).await?;
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let mut bytes = [0u8; RECOVERY_CODE_LEN];
        rand::rng().fill_bytes(&mut bytes);
        let shown = recovery_code_from_random(bytes);
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(recovery_hash(svc, user_id, &shown.replace('-', "")))
            .bind(now)
            .execute(&mut **tx)
            .await?;
        codes.push(shown);
    }
    Ok(codes)
}

fn recovery_hash(svc: &Services, user_id: i64, code: &str) -> String {
    tokens::keyed_hex(svc.signing_key.as_slice(), &[format!("recovery|{user_id}|{code}").as_bytes()])
}

fn totp(svc: &Services, secret: Vec<u8>, username: &str) -> Result<Totp, AppError> {
    Builder::new()
        .with_secret(secret)
        .with_account_name(username)
        .with_issuer(Some(svc.brand.to_string()))
        .build()
        .map_err(|e| internal("TOTP", e))
}

fn unix_seconds(millis: i64) -> u64 {
    u64::try_from(millis / 1000).unwrap_or(0)
}

/// The base32 secret in groups of four, for typing into an app.
fn grouped(base32: &str) -> String {
    let chars: Vec<char> = base32.trim_end_matches('=').chars().collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

fn qr_svg(uri: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(uri.as_bytes()).map_err(|e| internal("QR code", e))?;
    Ok(code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).quiet_zone(true).build())
}

/// The key secrets are sealed with: derived from the signing key, so the
/// two never act as each other.
fn sealing_cipher(svc: &Services) -> XChaCha20Poly1305 {
    let key = tokens::keyed_bytes(svc.signing_key.as_slice(), &[b"usnumhub two-step secret sealing"]);
    XChaCha20Poly1305::new(&key.into())
}

fn seal(svc: &Services, user_id: i64, secret: &[u8]) -> Result<String, AppError> {
    use base64::{engine::general_purpose::STANDARD_NO_PAD, Engine};
    let mut nonce = [0u8; NONCE_BYTES];
    rand::rng().fill_bytes(&mut nonce);
    let aad = user_id.to_be_bytes();
    let sealed = sealing_cipher(svc)
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: secret, aad: &aad })
        .map_err(|e| internal("sealing", e))?;
    Ok(STANDARD_NO_PAD.encode([nonce.as_slice(), &sealed].concat()))
}

/// Opens a sealed secret; bound to its account, so a secret copied to
/// another row does not open.
fn open(svc: &Services, user_id: i64, sealed: &str) -> Result<Vec<u8>, AppError> {
    use base64::{engine::general_purpose::STANDARD_NO_PAD, Engine};
    let bytes = STANDARD_NO_PAD.decode(sealed).map_err(|e| internal("sealed secret", e))?;
    if bytes.len() <= NONCE_BYTES {
        return Err(internal("sealed secret", "too short"));
    }
    let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
    let aad = user_id.to_be_bytes();
    // Fails when USNH_SECRET_KEY changed since the setup.
    sealing_cipher(svc)
        .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: &aad })
        .map_err(|e| internal("opening a two-step secret (did USNH_SECRET_KEY change?)", e))
}

fn internal(what: &str, error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "two-step sign-in: {what}");
    AppError::Internal
}

fn turned_off_notice<'a>(brand: &str, to: &'a Email, username: &str, meta: &RequestMeta, now: i64) -> Mail<'a> {
    let body = format!(
        "Two-step sign-in was turned off for your {brand} account {username}, {whence}.\n\n\
         If this was not you, reset your password now from the sign-in page, then turn two-step sign-in on again \
         on your Account page.\n",
        whence = whence(meta, now),
    );
    Mail::notice(to, "Two-step sign-in was turned off", body, now)
}

/// A sign-in used a recovery code: the owner hears of it, and how many
/// are left.
pub fn recovery_code_notice<'a>(brand: &str, to: &'a Email, username: &str, meta: &RequestMeta, left: i64, now: i64) -> Mail<'a> {
    let body = format!(
        "Your {brand} account {username} was signed in with one of its recovery codes, {whence}. {left} unused \
         recovery codes are left; you can make new ones on your Account page.\n\n\
         If this was not you, reset your password now (\"Forgot password?\" on the sign-in page), then make \
         new recovery codes.\n",
        whence = whence(meta, now),
    );
    Mail::notice(to, "A recovery code was used to sign in", body, now)
}

#[cfg(test)]
mod tests {
    use super::grouped;

    #[test]
    fn secrets_read_in_groups_of_four() {
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
        assert_eq!(grouped("ABCDEFGH===="), "ABCD EFGH");
    }
}
