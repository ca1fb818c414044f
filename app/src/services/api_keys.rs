//! Reseller API keys: created and revoked by their owner (verified email
//! only), shown once, stored as a SHA-256 hash; each request through one is
//! rate-limited per key, and its use lands in the security log.
use super::clock::HOUR_MS;
use std::{
    net::IpAddr,
    num::NonZeroU32,
    time::Duration,
};

use governor::{DefaultKeyedRateLimiter, Quota};

use super::{
    audit,
    db::Backend,
    mailer::{notice_address, whence, Mail},
    passwords, rate_limit,
    request::RequestMeta,
    security_log,
    tokens::{random_token, sha256_hex},
    Services,
};
use crate::{
    api_keys::{ApiKeyView, NewApiKey},
    auth::SecurityEventKind,
    domain::Email,
    error::AppError,
};

pub const MAX_KEYS_PER_USER: i64 = 10;
const KEY_PREFIX: &str = "usnh_";

/// Per-key request limits and where callbacks may go.
pub struct ApiPolicy {
    /// Callbacks to loopback and private addresses (tests, one-host setups).
    pub allow_private_callbacks: bool,
    per_key: DefaultKeyedRateLimiter<i64>,
    per_second: u32,
}

impl std::fmt::Debug for ApiPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiPolicy").field("allow_private_callbacks", &self.allow_private_callbacks).finish_non_exhaustive()
    }
}

impl Default for ApiPolicy {
    fn default() -> Self {
        ApiPolicy::new(10, false)
    }
}

impl ApiPolicy {
    /// `per_second` requests per key, with bursts of three times that.
    pub fn new(per_second: u32, allow_private_callbacks: bool) -> ApiPolicy {
        let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(per_second.max(1).saturating_mul(3)).unwrap_or(rate);
        ApiPolicy {
            allow_private_callbacks,
            per_key: DefaultKeyedRateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            per_second: rate.get(),
        }
    }

    /// This instance's count of one request; false once the key is over.
    fn admit_here(&self, key_id: i64) -> bool {
        self.per_key.check_key(&key_id).is_ok()
    }
}

/// Counts one request through the key; false once it is over its limit.
/// Counted on this instance, then on PostgreSQL across all of them:
/// instances behind one balancer would each allow the full rate. SQLite
/// serves a single instance, whose count is the whole count, and a write
/// per bot poll would only queue behind its one writer.
pub async fn admit(svc: &Services, key_id: i64) -> Result<bool, AppError> {
    if !svc.api.admit_here(key_id) {
        return Ok(false);
    }
    if svc.db.backend != Backend::Postgres {
        return Ok(true);
    }
    // The same allowance as in memory: the rate, in bursts of three seconds' worth.
    let window = Duration::from_secs(3);
    let allowance = svc.api.per_second.saturating_mul(3);
    match rate_limit::count_shared(svc, rate_limit::API_KEY_ACTION, &format!("key|{key_id}"), allowance, window).await {
        Ok(()) => Ok(true),
        Err(AppError::RateLimited(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The account behind an API request.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub key_id: i64,
    pub user_id: i64,
    pub email_verified: bool,
}

/// Addresses a callback must not reach: loopback, private, link-local,
/// carrier-grade NAT, "this network" (0/8), broadcast, multicast and
/// reserved; in IPv6 also unique-local, and an IPv4 address carried
/// inside IPv6 (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4
/// `2002::/16`), which reaches the same IPv4 host.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || a >= 240
                || a == 100 && (b & 0xc0) == 64
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            // The IPv4 address held in segments i and i + 1.
            let v4_at = |i: usize| std::net::Ipv4Addr::from((u32::from(s[i]) << 16) | u32::from(s[i + 1]));
            let embedded = if let Some(v4) = v6.to_ipv4_mapped() {
                Some(v4)
            } else if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                Some(v4_at(6))
            } else if s[0] == 0x2002 {
                Some(v4_at(1))
            } else {
                None
            };
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || embedded.is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

/// An http(s) URL for code callbacks; private addresses only when allowed
/// (a customer must not make us call into the operator's network).
pub fn parse_callback_url(raw: &str, allow_private: bool) -> Result<Option<String>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let url = url::Url::parse(raw).map_err(|_| "The callback URL is not a valid URL.".to_string())?;
    if !matches!(url.scheme(), "http" | "https") || raw.len() > 500 || !url.username().is_empty() {
        return Err("The callback URL must be an http or https address of up to 500 characters.".into());
    }
    let private = match url.host() {
        Some(url::Host::Ipv4(ip)) => is_private(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_private(IpAddr::V6(ip)),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost") || d.ends_with(".internal"),
        None => true,
    };
    if private && !allow_private {
        return Err("The callback URL must be a public address.".into());
    }
    Ok(Some(url.to_string()))
}

pub async fn create(svc: &Services, user_id: i64, name: &str, callback_url: &str, password: &str, meta: &RequestMeta) -> Result<NewApiKey, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 || name.chars().any(char::is_control) {
        return Err(AppError::Invalid("Name the key (1 to 40 characters), e.g. the bot that uses it.".into()));
    }
    let callback_url = parse_callback_url(callback_url, svc.api.allow_private_callbacks).map_err(AppError::Invalid)?;
    let Some((username, Some(to))) = owner(&svc.db.pool, user_id).await? else {
        return Err(AppError::Invalid("Verify your email before creating an API key.".into()));
    };
    // A key outlives sessions and password resets: a stolen session alone
    // must not be able to make one.
    passwords::confirm(svc, user_id, password, meta).await?;
    let now = svc.now();
    let key = format!("{KEY_PREFIX}{}", random_token());
    // Shown in the key list and the notice, so the owner can tell keys apart.
    let prefix = &key[..12];
    let callback_secret = callback_url.as_ref().map(|_| random_token());
    let mut tx = svc.db.begin_write().await?;
    if live_count(&mut tx, user_id).await? >= MAX_KEYS_PER_USER {
        return Err(AppError::Invalid(format!("You can hold {MAX_KEYS_PER_USER} keys at once; revoke one first.")));
    }
    sqlx::query(
        "INSERT INTO api_keys (user_id, name, prefix, key_hash, callback_url, callback_secret, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user_id)
    .bind(name)
    .bind(prefix)
    .bind(sha256_hex(&key))
    .bind(&callback_url)
    .bind(&callback_secret)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    security_log::record(&mut *tx, now, Some(user_id), SecurityEventKind::ApiKeyCreated, meta, name).await?;
    svc.mailer.enqueue(&mut tx, now, &created_notice(&svc.brand, &to, &username, name, prefix, meta, now)).await?;
    tx.commit().await?;
    svc.mailer.wake();
    Ok(NewApiKey { name: name.to_string(), key, callback_secret })
}

/// A key spends the wallet until revoked, whatever the password: the owner
/// hears of each new one, as of a sign-in from a new browser.
fn created_notice<'a>(brand: &str, to: &'a Email, username: &str, name: &str, prefix: &str, meta: &RequestMeta, now: i64) -> Mail<'a> {
    let body = format!(
        "An API key named \"{name}\" (it begins {prefix}) was made for your {brand} account {username}, {whence}. \
         A key can rent numbers and spend your balance until it is revoked, even after a password change.\n\n\
         If this was you, there is nothing to do. If it was not, revoke the key on your Account page now, then \
         reset your password (\"Forgot password?\" on the sign-in page).\n",
        whence = whence(meta, now),
    );
    Mail::notice(to, format!("A new API key for your {brand} account"), body, now)
}

pub async fn list(svc: &Services, user_id: i64) -> Result<Vec<ApiKeyView>, AppError> {
    type Row = (i64, String, String, Option<String>, i64, Option<i64>, Option<i64>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, name, prefix, callback_url, created_at, last_used_at, revoked_at FROM api_keys WHERE user_id = $1 ORDER BY id DESC",
    )
    .bind(user_id)
    .fetch_all(&svc.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, prefix, callback_url, created_at, last_used_at, revoked_at)| ApiKeyView {
            id,
            name,
            prefix,
            callback_url,
            created_at,
            last_used_at,
            revoked: revoked_at.is_some(),
        })
        .collect())
}

/// The account's username and where its notices go (None while its email
/// is not verified); None for no such account.
async fn owner<'e>(exec: impl sqlx::Executor<'e, Database = sqlx::Any>, user_id: i64) -> Result<Option<(String, Option<Email>)>, AppError> {
    let row: Option<(String, String, Option<i64>)> =
        sqlx::query_as("SELECT username, email, email_verified_at FROM users WHERE id = $1 AND deleted_at IS NULL")
            .bind(user_id)
            .fetch_optional(exec)
            .await?;
    Ok(row.map(|(username, email, verified_at)| (username, notice_address(&email, verified_at))))
}

/// How many of the account's keys still work: a password notice names
/// them, since a key outlives a password change.
pub async fn live_count(conn: &mut sqlx::AnyConnection, user_id: i64) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL").bind(user_id).fetch_one(conn).await?)
}

pub async fn revoke(svc: &Services, user_id: i64, key_id: i64, meta: &RequestMeta) -> Result<(), AppError> {
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let name = mark_revoked(&mut tx, now, user_id, key_id).await?;
    security_log::record(&mut *tx, now, Some(user_id), SecurityEventKind::ApiKeyRevoked, meta, &name).await?;
    tx.commit().await?;
    Ok(())
}

/// Support revokes a customer's key (one leaked, or a bot gone wild): the
/// owner's security log says so and the owner is mailed (their bot stops
/// working); the audit log names the key.
pub async fn revoke_as_admin(svc: &Services, admin_id: i64, user_id: i64, key_id: i64, meta: &RequestMeta) -> Result<(), AppError> {
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let name = mark_revoked(&mut tx, now, user_id, key_id).await?;
    let detail = format!("{name} (by admin #{admin_id})");
    security_log::record(&mut *tx, now, Some(user_id), SecurityEventKind::ApiKeyRevokedByAdmin, meta, &detail).await?;
    audit::record(&mut *tx, now, admin_id, "user.api_key_revoke", Some(user_id), &name, "revoked").await?;
    let (username, to) = owner(&mut *tx, user_id).await?.ok_or(AppError::NotFound)?;
    if let Some(to) = &to {
        let brand = &svc.brand;
        let body = format!(
            "Our support revoked the API key \"{name}\" of your {brand} account {username}: requests made with it \
             are refused from now on. You can make a new key on your Account page; ask on the Support page if you \
             want to know why.\n"
        );
        svc.mailer.enqueue(&mut tx, now, &Mail::notice(to, "An API key of yours was revoked", body, now)).await?;
    }
    tx.commit().await?;
    if to.is_some() {
        svc.mailer.wake();
    }
    Ok(())
}

/// Ends a live key of this user; its name, or NotFound (someone else's
/// key, or revoked already).
async fn mark_revoked(conn: &mut sqlx::AnyConnection, now: i64, user_id: i64, key_id: i64) -> Result<String, AppError> {
    let name: Option<String> =
        sqlx::query_scalar("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL RETURNING name")
            .bind(now)
            .bind(key_id)
            .bind(user_id)
            .fetch_optional(conn)
            .await?;
    name.ok_or(AppError::NotFound)
}

/// The caller behind a raw key, if it is a live key of an active account.
/// Use is noted (last use at most every minute, the security log at most
/// hourly per key, so a polling bot does not flood either).
pub async fn authenticate(svc: &Services, raw_key: &str, meta: &RequestMeta) -> Result<Option<Caller>, AppError> {
    if !raw_key.starts_with(KEY_PREFIX) || raw_key.len() > 100 {
        return Ok(None);
    }
    type Row = (i64, i64, Option<i64>, Option<i64>, String);
    let row: Option<Row> = sqlx::query_as(
        "SELECT k.id, k.user_id, u.email_verified_at, k.last_used_at, k.name FROM api_keys k JOIN users u ON u.id = k.user_id \
         WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND u.disabled_at IS NULL AND u.deleted_at IS NULL",
    )
    .bind(sha256_hex(raw_key))
    .fetch_optional(&svc.db.pool)
    .await?;
    let Some((key_id, user_id, verified_at, last_used_at, name)) = row else { return Ok(None) };
    let now = svc.now();
    let last = last_used_at.unwrap_or(0);
    if now - last > 60_000 {
        sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2").bind(now).bind(key_id).execute(&svc.db.pool).await?;
        if now - last > HOUR_MS {
            security_log::record(&svc.db.pool, now, Some(user_id), SecurityEventKind::ApiKeyUsed, meta, &name).await?;
        }
    }
    Ok(Some(Caller { key_id, user_id, email_verified: verified_at.is_some() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_urls_are_public_http() {
        assert_eq!(parse_callback_url("", false), Ok(None));
        assert_eq!(parse_callback_url("https://bot.example/hook", false), Ok(Some("https://bot.example/hook".into())));
        for bad in ["ftp://bot.example/", "not a url", "http://127.0.0.1:9000/", "http://10.1.2.3/", "http://192.168.0.1/", "http://[::1]/", "http://localhost/", "http://169.254.169.254/latest", "http://user:pw@bot.example/"] {
            assert!(parse_callback_url(bad, false).is_err(), "{bad}");
        }
        assert!(parse_callback_url("http://127.0.0.1:9000/hook", true).is_ok());
        // A public IPv4 address stays usable in its IPv6 forms.
        assert!(parse_callback_url("http://[::ffff:93.184.216.34]/hook", false).is_ok());
        assert!(parse_callback_url("http://[2606:2800:220:1::]/hook", false).is_ok());
    }

    /// Addresses that reach the operator's own network, however written.
    fn private_v4() -> impl proptest::strategy::Strategy<Value = std::net::Ipv4Addr> {
        use proptest::prelude::*;
        prop_oneof![
            any::<[u8; 3]>().prop_map(|[b, c, d]| [127, b, c, d]),
            any::<[u8; 3]>().prop_map(|[b, c, d]| [10, b, c, d]),
            (16u8..32, any::<[u8; 2]>()).prop_map(|(b, [c, d])| [172, b, c, d]),
            any::<[u8; 2]>().prop_map(|[c, d]| [192, 168, c, d]),
            any::<[u8; 2]>().prop_map(|[c, d]| [169, 254, c, d]),
            (64u8..128, any::<[u8; 2]>()).prop_map(|(b, [c, d])| [100, b, c, d]),
            any::<[u8; 3]>().prop_map(|[b, c, d]| [0, b, c, d]),
        ]
        .prop_map(std::net::Ipv4Addr::from)
    }

    proptest::proptest! {
        #[test]
        fn private_addresses_are_refused_in_every_notation(ip in private_v4(), port in 1u16.., path in "[a-z/]{0,12}") {
            let [a, b, c, d] = ip.octets();
            let forms = [
                format!("http://{ip}:{port}/{path}"),
                format!("http://[::ffff:{ip}]:{port}/{path}"),
                format!("https://[64:ff9b::{ip}]/{path}"),
                format!("http://[2002:{a:02x}{b:02x}:{c:02x}{d:02x}::1]/{path}"),
                format!("http://{}/{path}", u32::from(ip)),
                format!("http://0x{a:x}.{b}.{c}.{d}/{path}"),
            ];
            for form in forms {
                proptest::prop_assert!(parse_callback_url(&form, false).is_err(), "{} accepted", form);
                proptest::prop_assert!(parse_callback_url(&form, true).is_ok(), "{} refused even when private is allowed", form);
            }
        }

        #[test]
        fn any_text_gives_a_clear_answer(raw in "\\PC{0,120}") {
            if let Ok(Some(url)) = parse_callback_url(&raw, false) {
                proptest::prop_assert!(url.starts_with("http://") || url.starts_with("https://"), "{}", url);
                proptest::prop_assert_eq!(parse_callback_url(&url, false), Ok(Some(url.clone())), "a stored URL reads back as itself");
            }
        }
    }

    #[test]
    fn keys_are_limited_one_by_one() {
        let policy = ApiPolicy::new(1, false);
        assert!((0..3).all(|_| policy.admit_here(7)), "a burst of three");
        assert!(!policy.admit_here(7));
        assert!(policy.admit_here(8), "another key has its own allowance");
    }
}
