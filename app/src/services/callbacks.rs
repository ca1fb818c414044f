//! Code callbacks for API keys that name a URL: queued in the transaction
//! that stores the SMS (so none is lost and the gateway's webhook never
//! waits on a customer's server), then POSTed by a background task with
//! an HMAC signature, retried with backoff.
use std::{net::SocketAddr, time::Duration};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::{api_keys::is_private, webhook_signatures::generic_signature, Services};
use crate::error::AppError;

/// Resolves callback hosts and keeps only public addresses, so a name
/// that points (or is re-pointed, after its key was saved) at the
/// operator's network is never called. The check happens where the
/// connection is made: what was checked is what is used.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnlyResolver {
    /// Tests and one-host setups call loopback.
    pub allow_private: bool,
}

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| allow_private || !is_private(addr.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// The HTTP client callbacks are sent with: no redirects (a redirect
/// could lead anywhere), public addresses only unless allowed. An error
/// stops start-up: a default client would drop both rules.
pub fn http_client(allow_private: bool) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(std::sync::Arc::new(PublicOnlyResolver { allow_private }))
        .build()
}

/// Attempts before a callback is given up (spanning about a day).
pub const MAX_ATTEMPTS: i64 = 12;

/// Queues a callback for an SMS on a lease taken through an API key with
/// a callback URL; does nothing for other leases.
pub async fn enqueue(conn: &mut sqlx::AnyConnection, lease_id: i64, sms_id: i64, code: Option<&str>, text: &str, now: i64) -> Result<(), sqlx::Error> {
    let key: Option<(i64, i64, String)> = sqlx::query_as(
        "SELECT k.id, l.id, l.e164 FROM leases l JOIN api_keys k ON k.id = l.api_key_id \
         WHERE l.id = $1 AND k.callback_url IS NOT NULL AND k.revoked_at IS NULL",
    )
    .bind(lease_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((key_id, lease_id, e164)) = key else { return Ok(()) };
    let payload = serde_json::json!({
        "event": "sms",
        "activationId": lease_id,
        "phone": e164.trim_start_matches('+'),
        "code": code,
        "text": text,
        "receivedAt": now,
    })
    .to_string();
    sqlx::query(
        "INSERT INTO api_callbacks (api_key_id, lease_id, sms_id, payload, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (sms_id) DO NOTHING",
    )
    .bind(key_id)
    .bind(lease_id)
    .bind(sms_id)
    .bind(payload)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// 2 s, 4 s, 8 s… capped at an hour.
fn backoff_ms(attempts: i64) -> i64 {
    (1_000i64 << attempts.clamp(1, 12)).min(3_600_000)
}

/// Delivers every due callback (concurrently); returns how many went out.
pub async fn deliver_due(svc: &Services, http: &reqwest::Client) -> Result<usize, AppError> {
    let now = svc.now();
    type Row = (i64, String, i64, i64, Option<String>, Option<String>);
    let due: Vec<Row> = sqlx::query_as(
        "SELECT c.id, c.payload, c.attempts, c.next_attempt_at, k.callback_url, k.callback_secret FROM api_callbacks c \
         JOIN api_keys k ON k.id = c.api_key_id \
         WHERE c.delivered_at IS NULL AND c.failed_at IS NULL AND c.next_attempt_at <= $1 ORDER BY c.next_attempt_at LIMIT 50",
    )
    .bind(now)
    .fetch_all(&svc.db.pool)
    .await?;
    let mut sends = tokio::task::JoinSet::new();
    for (id, payload, attempts, next_attempt_at, url, secret) in due {
        // Claim it, so that one instance sends each callback.
        let claimed = sqlx::query("UPDATE api_callbacks SET next_attempt_at = $1 WHERE id = $2 AND next_attempt_at = $3")
            .bind(now + 60_000)
            .bind(id)
            .bind(next_attempt_at)
            .execute(&svc.db.pool)
            .await?
            .rows_affected();
        let (Some(url), Some(secret)) = (url, secret) else { continue };
        if claimed == 0 {
            continue;
        }
        // A literal address needs no resolving: check it here (the rules
        // may have changed since the key was saved).
        if let Err(e) = super::api_keys::parse_callback_url(&url, svc.api.allow_private_callbacks) {
            record_attempt(svc, id, attempts + 1, Some(e)).await?;
            continue;
        }
        let (svc, http) = (svc.clone(), http.clone());
        sends.spawn(async move {
            let timestamp = (svc.now() / 1000).to_string();
            let signature = generic_signature(&secret, &timestamp, payload.as_bytes());
            let outcome = http
                .post(&url)
                .timeout(Duration::from_secs(10))
                .header("content-type", "application/json")
                .header("x-usnh-timestamp", &timestamp)
                .header("x-usnh-signature", signature)
                .body(payload)
                .send()
                .await;
            let error = match outcome {
                Ok(r) if r.status().is_success() => None,
                Ok(r) => Some(format!("HTTP {}", r.status().as_u16())),
                Err(e) => Some(e.without_url().to_string()),
            };
            record_attempt(&svc, id, attempts + 1, error).await
        });
    }
    let mut sent = 0;
    while let Some(done) = sends.join_next().await {
        if matches!(done, Ok(Ok(()))) {
            sent += 1;
        }
    }
    Ok(sent)
}

async fn record_attempt(svc: &Services, id: i64, attempts: i64, error: Option<String>) -> Result<(), AppError> {
    let now = svc.now();
    match error {
        None => {
            sqlx::query("UPDATE api_callbacks SET delivered_at = $1, attempts = $2, last_error = NULL WHERE id = $3")
                .bind(now)
                .bind(attempts)
                .bind(id)
                .execute(&svc.db.pool)
                .await?;
        }
        Some(error) => {
            let failed = (attempts >= MAX_ATTEMPTS).then_some(now);
            sqlx::query("UPDATE api_callbacks SET attempts = $1, last_error = $2, next_attempt_at = $3, failed_at = $4 WHERE id = $5")
                .bind(attempts)
                .bind(error.chars().take(200).collect::<String>())
                .bind(now + backoff_ms(attempts))
                .bind(failed)
                .bind(id)
                .execute(&svc.db.pool)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use reqwest::dns::{Name, Resolve};

    use super::PublicOnlyResolver;

    async fn resolve(host: &str, allow_private: bool) -> Result<Vec<std::net::IpAddr>, String> {
        let name: Name = host.parse().expect("name");
        match (PublicOnlyResolver { allow_private }).resolve(name).await {
            Ok(addrs) => Ok(addrs.map(|a| a.ip()).collect()),
            Err(e) => Err(e.to_string()),
        }
    }

    #[tokio::test]
    async fn names_that_resolve_to_private_addresses_are_refused() {
        // `localhost` stands for any name pointed at the operator's network.
        let refused = resolve("localhost", false).await.expect_err("refused");
        assert!(refused.contains("no public address"), "{refused}");
        let allowed = resolve("localhost", true).await.expect("allowed in tests");
        assert!(allowed.iter().all(|ip| ip.is_loopback()), "{allowed:?}");
    }
}
