//! Sessions: a short-lived access token (signed, in an httpOnly cookie)
//! and an opaque refresh token (stored only as a hash), rotated on every
//! use. Reusing an old refresh token ends that session, except within a
//! short grace so that two tabs refreshing at once both stay signed in.
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::{request::{Authenticated, RequestMeta}, security_log, Services};
use crate::{
    auth::{SecurityEventKind, Viewer},
    domain::Role,
    error::AppError,
};

/// Tokens to hand to the browser.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub session_id: String,
    pub user_id: i64,
    pub access: String,
    /// None when only the access token is renewed (grace refresh).
    pub refresh: Option<String>,
}

use super::tokens::{random_token, sha256_hex};

fn sign(svc: &Services, payload: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(svc.signing_key.as_slice()).expect("any key length");
    mac.update(b"access|");
    mac.update(payload.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// `<session id>.<user id>.<expiry ms>.<signature>`
fn access_token(svc: &Services, session_id: &str, user_id: i64, now: i64) -> String {
    let payload = format!("{session_id}.{user_id}.{}", now + svc.auth.access_ttl_ms);
    let signature = sign(svc, &payload);
    format!("{payload}.{signature}")
}

/// The session and user an unexpired, correctly signed token names.
fn verify_access(svc: &Services, token: &str, now: i64) -> Option<(String, i64)> {
    let (payload, signature) = token.rsplit_once('.')?;
    let expected = sign(svc, payload);
    if !super::constant_time::eq(expected.as_bytes(), signature.as_bytes()) {
        return None;
    }
    let mut parts = payload.split('.');
    let session_id = parts.next()?.to_string();
    let user_id: i64 = parts.next()?.parse().ok()?;
    let expires: i64 = parts.next()?.parse().ok()?;
    (parts.next().is_none() && expires > now).then_some((session_id, user_id))
}

/// Starts a session for a user who just proved who they are.
pub async fn start<'e, E>(svc: &Services, exec: E, user_id: i64, meta: &RequestMeta) -> Result<IssuedTokens, AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let now = svc.now();
    let session_id = random_token();
    let refresh = random_token();
    sqlx::query(
        "INSERT INTO sessions (id, user_id, refresh_hash, rotated_at, created_at, last_seen_at, expires_at, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $4, $4, $5, $6, $7)",
    )
    .bind(&session_id)
    .bind(user_id)
    .bind(sha256_hex(&refresh))
    .bind(now)
    .bind(now + svc.auth.refresh_ttl_ms)
    .bind(&meta.ip)
    .bind(security_log::truncate(&meta.user_agent, 512))
    .execute(exec)
    .await?;
    Ok(IssuedTokens { access: access_token(svc, &session_id, user_id, now), refresh: Some(refresh), session_id, user_id })
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
    public_id: String,
    username: String,
    email: String,
    role: String,
    email_verified_at: Option<i64>,
    disabled_at: Option<i64>,
    deleted_at: Option<i64>,
    totp_enabled_at: Option<i64>,
}

/// Loads an active session with its user; ends it when an admin session
/// is idle too long or too old.
pub async fn load(svc: &Services, session_id: &str, user_id: i64) -> Result<Option<Authenticated>, AppError> {
    let now = svc.now();
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT s.created_at, s.last_seen_at, s.expires_at, u.public_id, u.username, u.email, u.role, \
                u.email_verified_at, u.disabled_at, u.deleted_at, u.totp_enabled_at \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.id = $1 AND s.user_id = $2 AND s.ended_at IS NULL",
    )
    .bind(session_id)
    .bind(user_id)
    .fetch_optional(&svc.db.pool)
    .await?;
    let Some(SessionRow { created_at, last_seen_at, expires_at, public_id, username, email, role, email_verified_at, disabled_at, deleted_at, totp_enabled_at }) = row else {
        return Ok(None);
    };
    if expires_at <= now || disabled_at.is_some() || deleted_at.is_some() {
        return Ok(None);
    }
    let role = Role::parse(&role).unwrap_or(Role::Customer);
    if role.is_staff()
        && (now - last_seen_at > svc.auth.admin_idle_ms || now - created_at > svc.auth.admin_max_ms)
    {
        end(svc, session_id, "admin_session_timeout").await?;
        return Ok(None);
    }
    // Last-seen is for the devices list; a minute's precision is enough.
    if now - last_seen_at > 60_000 {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(session_id)
            .execute(&svc.db.pool)
            .await?;
    }
    Ok(Some(Authenticated {
        user_id,
        session_id: session_id.to_string(),
        viewer: Viewer {
            public_id,
            username,
            email,
            role,
            email_verified: email_verified_at.is_some(),
            two_step: totp_enabled_at.is_some(),
        },
    }))
}

/// Resolves the access token; None when missing, forged or expired.
pub async fn authenticate_access(svc: &Services, token: &str) -> Result<Option<Authenticated>, AppError> {
    match verify_access(svc, token, svc.now()) {
        Some((session_id, user_id)) => resolve(svc, &session_id, user_id).await,
        None => Ok(None),
    }
}

/// The active session from `svc.session_cache`, or loaded (and kept).
pub async fn resolve(svc: &Services, session_id: &str, user_id: i64) -> Result<Option<Authenticated>, AppError> {
    let now = svc.now();
    if let Some(cached) = svc.session_cache.get(session_id, user_id, now) {
        return Ok(Some(cached));
    }
    let epoch = svc.session_cache.epoch();
    let found = load(svc, session_id, user_id).await?;
    if let Some(auth) = &found {
        svc.session_cache.put(epoch, auth, now);
    }
    Ok(found)
}

/// Trades a refresh token for new tokens.
pub async fn refresh(svc: &Services, refresh_token: &str, meta: &RequestMeta) -> Result<Option<(IssuedTokens, Authenticated)>, AppError> {
    let now = svc.now();
    let old_hash = sha256_hex(refresh_token);
    let new_refresh = random_token();
    // Only one concurrent request can win the rotation.
    let rotated: Option<(String, i64)> = sqlx::query_as(
        "UPDATE sessions SET refresh_hash = $1, prev_refresh_hash = $2, rotated_at = $3, expires_at = $4 \
         WHERE refresh_hash = $2 AND ended_at IS NULL AND expires_at > $3 RETURNING id, user_id",
    )
    .bind(sha256_hex(&new_refresh))
    .bind(&old_hash)
    .bind(now)
    .bind(now + svc.auth.refresh_ttl_ms)
    .fetch_optional(&svc.db.pool)
    .await?;
    let (session_id, user_id, refresh) = match rotated {
        Some((session_id, user_id)) => (session_id, user_id, Some(new_refresh)),
        None => {
            let previous: Option<(String, i64, i64)> = sqlx::query_as(
                "SELECT id, user_id, rotated_at FROM sessions WHERE prev_refresh_hash = $1 AND ended_at IS NULL",
            )
            .bind(&old_hash)
            .fetch_optional(&svc.db.pool)
            .await?;
            match previous {
                // Another tab rotated a moment ago; the browser has its cookie.
                Some((session_id, user_id, rotated_at)) if now - rotated_at <= svc.auth.refresh_grace_ms => {
                    (session_id, user_id, None)
                }
                Some((session_id, user_id, _)) => {
                    end(svc, &session_id, "refresh_token_reuse").await?;
                    security_log::record(&svc.db.pool, now, Some(user_id), SecurityEventKind::RefreshTokenReuse, meta, "").await?;
                    tracing::warn!(user_id, "refresh token reused after rotation: session ended");
                    return Ok(None);
                }
                None => return Ok(None),
            }
        }
    };
    let Some(auth) = load(svc, &session_id, user_id).await? else {
        return Ok(None);
    };
    let tokens = IssuedTokens { access: access_token(svc, &session_id, user_id, now), refresh, session_id, user_id };
    Ok(Some((tokens, auth)))
}

/// Ends one session.
pub async fn end(svc: &Services, session_id: &str, reason: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE sessions SET ended_at = $1, end_reason = $2 WHERE id = $3 AND ended_at IS NULL")
        .bind(svc.now())
        .bind(reason)
        .bind(session_id)
        .execute(&svc.db.pool)
        .await?;
    svc.session_cache.forget_session(session_id);
    Ok(())
}

/// Ends one of the user's sessions and logs the sign-out.
pub async fn end_with_event(svc: &Services, user_id: i64, session_id: &str, reason: &str, meta: &RequestMeta) -> Result<bool, AppError> {
    let mut tx = svc.db.begin_write().await?;
    let ended = sqlx::query("UPDATE sessions SET ended_at = $1, end_reason = $2 WHERE id = $3 AND user_id = $4 AND ended_at IS NULL")
        .bind(svc.now())
        .bind(reason)
        .bind(session_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if ended {
        security_log::record(&mut *tx, svc.now(), Some(user_id), SecurityEventKind::SignOut, meta, reason).await?;
    }
    tx.commit().await?;
    svc.session_cache.forget_session(session_id);
    Ok(ended)
}

/// Ends all of a user's sessions, except `keep` when given. The caller
/// clears them from `svc.session_cache` after its commit.
pub async fn end_all<'e, E>(exec: E, now: i64, user_id: i64, keep: Option<&str>, reason: &str) -> Result<u64, AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let done = sqlx::query(
        "UPDATE sessions SET ended_at = $1, end_reason = $2 WHERE user_id = $3 AND ended_at IS NULL AND id <> $4",
    )
    .bind(now)
    .bind(reason)
    .bind(user_id)
    .bind(keep.unwrap_or(""))
    .execute(exec)
    .await?;
    Ok(done.rows_affected())
}

/// One signed-in device, for the Account page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceRow {
    pub session_id: String,
    pub ip: String,
    pub user_agent: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

pub async fn list_active(svc: &Services, user_id: i64) -> Result<Vec<DeviceRow>, AppError> {
    let rows: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, ip, user_agent, created_at, last_seen_at FROM sessions \
         WHERE user_id = $1 AND ended_at IS NULL AND expires_at > $2 ORDER BY last_seen_at DESC",
    )
    .bind(user_id)
    .bind(svc.now())
    .fetch_all(&svc.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(session_id, ip, user_agent, created_at, last_seen_at)| DeviceRow { session_id, ip, user_agent, created_at, last_seen_at })
        .collect())
}

// ---- cookies ----

pub fn cookie_names(secure: bool) -> (&'static str, &'static str) {
    if secure {
        ("__Host-usnh_access", "__Host-usnh_refresh")
    } else {
        ("usnh_access", "usnh_refresh")
    }
}

/// Set-Cookie values for freshly issued tokens.
pub fn cookie_headers(svc: &Services, tokens: &IssuedTokens) -> Vec<String> {
    let (access_name, refresh_name) = cookie_names(svc.auth.secure_cookies);
    let secure = if svc.auth.secure_cookies { "; Secure" } else { "" };
    let mut headers = vec![format!(
        "{access_name}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        tokens.access,
        svc.auth.access_ttl_ms / 1000
    )];
    if let Some(refresh) = &tokens.refresh {
        headers.push(format!(
            "{refresh_name}={refresh}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            svc.auth.refresh_ttl_ms / 1000
        ));
    }
    headers
}

pub fn clear_cookie_headers(svc: &Services) -> Vec<String> {
    let (access_name, refresh_name) = cookie_names(svc.auth.secure_cookies);
    let secure = if svc.auth.secure_cookies { "; Secure" } else { "" };
    [access_name, refresh_name]
        .iter()
        .map(|name| format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"))
        .collect()
}

/// Adds the cookies to the server function's response.
pub fn set_cookies(svc: &Services, tokens: &IssuedTokens) {
    append_set_cookies(cookie_headers(svc, tokens));
}

pub fn clear_cookies(svc: &Services) {
    append_set_cookies(clear_cookie_headers(svc));
}

fn append_set_cookies(values: Vec<String>) {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        for value in values {
            if let Ok(value) = axum::http::HeaderValue::from_str(&value) {
                response.append_header(axum::http::header::SET_COOKIE, value);
            }
        }
    }
}
