//! Code callbacks for API keys that name a URL: queued in the transaction
//! that stores the SMS (so none is lost and the gateway's webhook never
//! waits on a customer's server), then POSTed by a background task with
//! an HMAC signature, retried with backoff.
use std::time::Duration;

use super::{webhook_signatures::generic_signature, Services};
use crate::error::AppError;

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
