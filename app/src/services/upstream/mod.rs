//! Upstream supply: numbers bought from SMS-Activate-compatible services
//! (DaisySMS and others) when the operator's pool is empty. Buying is an
//! HTTP call, so it happens outside the lease's write transaction; the
//! purchase is recorded first (`upstream_activations`), and the poller
//! finishes anything a lease does not take: codes are fetched, ended leases
//! completed or cancelled upstream, orphaned purchases cancelled.
pub mod breaker;
pub mod client;
pub mod in_flight;
pub mod protocol;

use crate::services::clock::HOUR_MS;
use std::{num::NonZeroU32, sync::Arc};

use governor::{DefaultDirectRateLimiter, Quota};

use self::{
    client::{UpstreamClient, UpstreamSettings},
    protocol::{ActivationStatus, SetStatus, UpstreamError},
};
use super::{
    leases::{self, LeaseError, NewSms},
    Services,
};
use crate::{
    domain::{LeaseEvent, Money, UsPhoneNumber},
    error::AppError,
    number_pool::UpstreamView,
};

/// A purchase not yet tied to a lease settles this long before the poller
/// treats it as abandoned and cancels it.
const ORPHAN_AFTER_MS: i64 = 60_000;

/// The configured upstreams, in order of preference, and the request budget
/// the poller shares between them.
#[derive(Debug)]
pub struct Upstreams {
    pub clients: Vec<Arc<UpstreamClient>>,
    poll_budget: DefaultDirectRateLimiter,
}

impl Default for Upstreams {
    fn default() -> Self {
        Upstreams::new(Vec::new(), 20).unwrap_or_else(|_| unreachable!("no upstreams cannot fail"))
    }
}

impl Upstreams {
    pub fn new(settings: Vec<UpstreamSettings>, poll_budget_per_sec: u32) -> Result<Upstreams, String> {
        let mut clients = Vec::new();
        for s in settings {
            if clients.iter().any(|c: &Arc<UpstreamClient>| c.name() == s.name) {
                return Err(format!("two upstreams are named {}", s.name));
            }
            clients.push(Arc::new(UpstreamClient::new(s)?));
        }
        let budget = NonZeroU32::new(poll_budget_per_sec.max(1)).unwrap_or(NonZeroU32::MIN);
        Ok(Upstreams { clients, poll_budget: DefaultDirectRateLimiter::direct(Quota::per_second(budget)) })
    }

    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// What the upstreams last said of the platform's numbers.
    pub fn stock(&self, slug: &str) -> UpstreamStock {
        let mut stock = UpstreamStock::default();
        for client in &self.clients {
            let Some(service) = client.settings.service_code(slug) else { continue };
            let count = client.stock(&service);
            if let Some(n) = count {
                stock.counted = Some(stock.counted.unwrap_or(0) + n.max(0));
            }
            stock.may_sell |= count.is_none_or(|n| n > 0);
        }
        stock
    }

    fn client(&self, name: &str) -> Option<&Arc<UpstreamClient>> {
        self.clients.iter().find(|c| c.name() == name)
    }
}

/// A platform's numbers at the upstreams, as they last said.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpstreamStock {
    /// Numbers they last counted; None until one of them said.
    pub counted: Option<i64>,
    /// One of them offers it and did not say it has none.
    pub may_sell: bool,
}

/// A number bought for a lease that is about to be written.
#[derive(Debug, Clone)]
pub struct Bought {
    /// The `upstream_activations` row.
    pub row_id: i64,
    pub e164: String,
}

/// Why no number was bought: the upstreams' answer, or our own database
/// (an internal error, not the supplier's).
#[derive(Debug, thiserror::Error)]
pub enum BuyError {
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// The purchase's task ended without an answer (it panicked).
    #[error("the purchase stopped: {0}")]
    Stopped(String),
}

/// `buy`, run to its end even when the request that asked for it is
/// dropped meanwhile (a customer closing the tab while the supplier
/// answers): a number the supplier sold must be recorded, or nothing would
/// ever end it. Recorded and then not leased, it is settled as an orphan.
pub async fn buy_to_the_end(svc: &Services, platform_slug: &str) -> Result<Option<Bought>, BuyError> {
    let slug = platform_slug.to_string();
    svc.run_to_the_end(|svc| async move { buy(&svc, &slug).await }).await.map_err(|e| BuyError::Stopped(e.to_string()))?
}

/// Buys a number for the platform from the first upstream that has one,
/// falling through on NO_NUMBERS and on faults. `Ok(None)`: no upstream
/// offers this platform.
pub async fn buy(svc: &Services, platform_slug: &str) -> Result<Option<Bought>, BuyError> {
    let mut last_error = None;
    for client in &svc.upstreams.clients {
        let Some(service) = client.settings.service_code(platform_slug) else { continue };
        let active: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM upstream_activations WHERE upstream = $1 AND status = 'open'")
            .bind(client.name())
            .fetch_one(&svc.db.pool)
            .await?;
        if active >= client.settings.max_active {
            last_error = Some(UpstreamError::TooManyActive);
            continue;
        }
        // Written first: should this server stop while the supplier
        // answers, the operator learns that a number may have been sold.
        let attempt = in_flight::begin(svc, client.name(), &service).await?;
        let sale = Sale { client, attempt, service: &service };
        match client.get_number(&service).await {
            Ok((activation_id, phone)) => {
                let Ok(number) = UsPhoneNumber::parse(&phone) else {
                    // Not a US number: give it back, try the next upstream.
                    tracing::warn!(upstream = client.name(), "upstream sold a number that is not a US number; cancelling it");
                    let recorded = record(svc, &sale, &activation_id, &phone, "closed").await.is_ok();
                    if client.set_status(&activation_id, SetStatus::Cancel).await.is_ok() && !recorded {
                        in_flight::end(svc, attempt).await;
                    }
                    last_error = Some(UpstreamError::Garbage("not a US number".into()));
                    continue;
                };
                let row_id = match record(svc, &sale, &activation_id, number.as_str(), "open").await {
                    Ok(row_id) => row_id,
                    Err(e) => {
                        // Unrecorded, nothing would ever end it: it would stay
                        // open upstream and be paid for. Give it back now; if
                        // that fails too, the attempt stays for the operator.
                        tracing::error!(upstream = client.name(), error = %e, "could not record a purchase; cancelling it upstream");
                        match client.set_status(&activation_id, SetStatus::Cancel).await {
                            Ok(()) => in_flight::end(svc, attempt).await,
                            Err(cancel) => tracing::error!(upstream = client.name(), activation_id, error = %cancel, "the unrecorded purchase could not be cancelled either"),
                        }
                        return Err(e.into());
                    }
                };
                return Ok(Some(Bought { row_id, e164: number.as_str().to_string() }));
            }
            Err(e) => {
                if e.may_have_sold() {
                    // The mark stays: the operator is told to look.
                    tracing::warn!(upstream = client.name(), error = %e, "a purchase ended without a readable answer; the supplier may have sold a number");
                } else {
                    in_flight::end(svc, attempt).await;
                }
                if !e.falls_through() {
                    return Err(e.into());
                }
                tracing::info!(upstream = client.name(), error = %e, "upstream could not supply a number; trying the next");
                last_error = Some(e);
            }
        }
    }
    match last_error {
        Some(e) => Err(e.into()),
        None => Ok(None),
    }
}

/// A purchase being made: from whom, for which service, under which attempt.
struct Sale<'a> {
    client: &'a UpstreamClient,
    attempt: i64,
    service: &'a str,
}

/// Records what the supplier sold and ends the attempt, in one transaction.
async fn record(svc: &Services, sale: &Sale<'_>, activation_id: &str, e164: &str, status: &str) -> Result<i64, sqlx::Error> {
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let row_id = sqlx::query_scalar(
        "INSERT INTO upstream_activations (upstream, activation_id, e164, cost_cents, status, created_at, next_poll_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(sale.client.name())
    .bind(activation_id)
    .bind(e164)
    .bind(sale.client.expected_cost(sale.service))
    .bind(status)
    .bind(now)
    .bind(now + 2_000)
    .fetch_one(&mut *tx)
    .await?;
    in_flight::end_in(&mut tx, sale.attempt).await?;
    tx.commit().await?;
    Ok(row_id)
}

/// Inside the lease's transaction: the `numbers` row for a bought number
/// (created on first sight), and the purchase tied to the lease.
pub async fn number_row(conn: &mut sqlx::AnyConnection, bought: &Bought, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO numbers (e164, source, enabled, created_at) VALUES ($1, 'upstream', 1, $2) \
         ON CONFLICT (e164) DO UPDATE SET e164 = excluded.e164 RETURNING id",
    )
    .bind(&bought.e164)
    .bind(now)
    .fetch_one(conn)
    .await
}

pub async fn attach(conn: &mut sqlx::AnyConnection, bought: &Bought, lease_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE upstream_activations SET lease_id = $1 WHERE id = $2").bind(lease_id).bind(bought.row_id).execute(conn).await?;
    Ok(())
}

/// Before a customer's cancel or switch refunds an upstream lease, the
/// upstream must accept the cancel; otherwise nothing changes and the
/// customer is told why (and, for an early cancel, when to try again).
pub async fn release_for_cancel(svc: &Services, lease_id: i64) -> Result<(), LeaseError> {
    let row: Option<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT id, upstream, activation_id, created_at FROM upstream_activations WHERE lease_id = $1 AND status = 'open'",
    )
    .bind(lease_id)
    .fetch_optional(&svc.db.pool)
    .await?;
    let Some((row_id, upstream, activation_id, created_at)) = row else { return Ok(()) };
    let Some(client) = svc.upstreams.client(&upstream) else {
        return Err(AppError::Unavailable("This number's supplier is not reachable now; nothing changed. If no code arrives, the lease is refunded when it ends.".into()).into());
    };
    match client.set_status(&activation_id, SetStatus::Cancel).await {
        Ok(()) | Err(UpstreamError::WrongActivationId | UpstreamError::NoActivation) => Ok(close(svc, row_id, "cancelled").await?),
        Err(UpstreamError::EarlyCancelDenied) => {
            let allowed_at = created_at + client.settings.early_cancel_secs * 1000;
            let wait_secs = ((allowed_at - svc.now()) / 1000).max(1);
            Err(LeaseError::EarlyCancelDenied { minutes: (client.settings.early_cancel_secs / 60).max(1), wait_secs })
        }
        Err(e) => {
            tracing::warn!(upstream = client.name(), error = %e, lease_id, "upstream refused or failed a cancel");
            Err(AppError::Unavailable("Our supplier did not confirm the cancellation; nothing changed. Try again in a minute — and if no code arrives, the lease is refunded when it ends.".into()).into())
        }
    }
}

async fn close(svc: &Services, row_id: i64, how: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE upstream_activations SET status = $1, closed_at = $2 WHERE id = $3 AND status = 'open'")
        .bind(how)
        .bind(svc.now())
        .bind(row_id)
        .execute(&svc.db.pool)
        .await?;
    Ok(())
}

async fn reschedule(svc: &Services, row_id: i64, at: i64, polled: bool) -> Result<(), AppError> {
    sqlx::query("UPDATE upstream_activations SET next_poll_at = $1, polls = polls + $2 WHERE id = $3")
        .bind(at)
        .bind(i64::from(polled))
        .bind(row_id)
        .execute(&svc.db.pool)
        .await?;
    Ok(())
}

/// Waiting for a code: every 2 s at first, slowing to every 10 s.
fn wait_interval_ms(polls: i64) -> i64 {
    (2_000 + polls.max(0) * 500).min(10_000)
}

type DueRow = (i64, String, String, Option<i64>, i64, i64, Option<String>, i64, Option<String>, Option<i64>, Option<i64>);

/// A purchase whose lease is open, as the poller read it.
struct OpenPurchase<'a> {
    row_id: i64,
    activation_id: &'a str,
    lease_id: i64,
    number_id: i64,
    last_code: Option<&'a str>,
    /// Status checks so far (they slow down as they go).
    polls: i64,
}

/// One pass of the poller: every open purchase whose time has come, as far
/// as the shared request budget allows. Returns how many it handled.
pub async fn poll_due(svc: &Services) -> Result<usize, AppError> {
    if svc.upstreams.is_empty() {
        return Ok(0);
    }
    in_flight::flag_interrupted(svc).await?;
    let now = svc.now();
    let due: Vec<DueRow> = sqlx::query_as(
        "SELECT a.id, a.upstream, a.activation_id, a.lease_id, a.created_at, a.next_poll_at, a.last_code, a.polls, l.state, l.number_id, l.code_at \
         FROM upstream_activations a LEFT JOIN leases l ON l.id = a.lease_id \
         WHERE a.status = 'open' AND a.next_poll_at <= $1 ORDER BY a.next_poll_at LIMIT 100",
    )
    .bind(now)
    .fetch_all(&svc.db.pool)
    .await?;
    let mut handled = 0;
    for (row_id, upstream, activation_id, lease_id, created_at, next_poll_at, last_code, polls, state, number_id, code_at) in due {
        if svc.upstreams.poll_budget.check().is_err() {
            break; // the rest wait for the next pass
        }
        // Claim it: with several instances, one polls each purchase.
        let claimed = sqlx::query("UPDATE upstream_activations SET next_poll_at = $1 WHERE id = $2 AND next_poll_at = $3 AND status = 'open'")
            .bind(now + 30_000)
            .bind(row_id)
            .bind(next_poll_at)
            .execute(&svc.db.pool)
            .await?
            .rows_affected();
        if claimed == 0 {
            continue;
        }
        handled += 1;
        let Some(client) = svc.upstreams.client(&upstream).cloned() else {
            tracing::warn!(upstream, row_id, "a purchase from an upstream that is no longer configured");
            reschedule(svc, row_id, now + HOUR_MS, false).await?;
            continue;
        };
        let open = matches!(state.as_deref(), Some("active" | "code_received"));
        if open {
            let (Some(lease_id), Some(number_id)) = (lease_id, number_id) else { continue };
            let purchase = OpenPurchase { row_id, activation_id: &activation_id, lease_id, number_id, last_code: last_code.as_deref(), polls };
            poll_open(svc, &client, purchase).await?;
        } else if lease_id.is_none() && now - created_at < ORPHAN_AFTER_MS {
            reschedule(svc, row_id, created_at + ORPHAN_AFTER_MS, false).await?;
        } else {
            // The lease ended (or never came to be): settle upstream.
            let finish = if code_at.is_some() { SetStatus::Complete } else { SetStatus::Cancel };
            match client.set_status(&activation_id, finish).await {
                Ok(()) | Err(UpstreamError::WrongActivationId | UpstreamError::NoActivation) => {
                    close(svc, row_id, if finish == SetStatus::Complete { "completed" } else { "cancelled" }).await?
                }
                Err(UpstreamError::EarlyCancelDenied) => {
                    reschedule(svc, row_id, created_at + client.settings.early_cancel_secs * 1000 + 1_000, false).await?
                }
                Err(_) => reschedule(svc, row_id, now + 15_000, true).await?,
            }
        }
    }
    Ok(handled)
}

async fn poll_open(svc: &Services, client: &UpstreamClient, purchase: OpenPurchase<'_>) -> Result<(), AppError> {
    let OpenPurchase { row_id, activation_id, lease_id, number_id, last_code, polls } = purchase;
    let now = svc.now();
    match client.get_status(activation_id).await {
        Ok(ActivationStatus::Ok(code)) if last_code != Some(code.as_str()) => {
            let message_id = format!("upstream:{}:{activation_id}:{code}", client.name());
            let body = format!("Your code is {code}");
            let sms = NewSms {
                number_id: Some(number_id),
                recipient: "",
                sender: client.name(),
                body: &body,
                code: Some(&code),
                source: "upstream",
                source_message_id: &message_id,
            };
            leases::record_sms(svc, sms).await?;
            sqlx::query("UPDATE upstream_activations SET last_code = $1 WHERE id = $2").bind(&code).bind(row_id).execute(&svc.db.pool).await?;
            // Platforms resend: ask for the next SMS on the same number.
            if let Err(e) = client.set_status(activation_id, SetStatus::AnotherSms).await {
                tracing::info!(upstream = client.name(), error = %e, "upstream would not wait for another SMS");
            }
            reschedule(svc, row_id, now + 3_000, true).await
        }
        Ok(ActivationStatus::Ok(_) | ActivationStatus::WaitCode | ActivationStatus::WaitRetry(_) | ActivationStatus::WaitResend) => {
            reschedule(svc, row_id, now + wait_interval_ms(polls), true).await
        }
        Ok(ActivationStatus::Cancelled) | Err(UpstreamError::WrongActivationId | UpstreamError::NoActivation) => {
            // The upstream ended it: the lease ends too (refunded without a code).
            close(svc, row_id, "cancelled_upstream").await?;
            match leases::apply(svc, lease_id, None, LeaseEvent::Expire).await {
                Ok(_) | Err(LeaseError::NotAllowed(_)) => Ok(()),
                Err(e) => Err(e.into()),
            }
        }
        Err(UpstreamError::RateLimited | UpstreamError::CircuitOpen) => reschedule(svc, row_id, now + 5_000, false).await,
        Err(_) => reschedule(svc, row_id, now + 10_000, true).await,
    }
}

/// Balances and prices of every upstream; a low balance is logged as a
/// warning, flagged on the admin page and mailed to the admins once.
pub async fn refresh_balances(svc: &Services) {
    for client in &svc.upstreams.clients {
        match client.get_balance().await {
            Ok(balance) => {
                let threshold = client.settings.low_balance_cents;
                if balance < threshold {
                    tracing::warn!(upstream = client.name(), balance_cents = balance, "upstream balance is low: top it up")
                }
                let (balance, threshold) = (Money::from_cents(balance), Money::from_cents(threshold));
                if let Err(e) = super::operator_alerts::supplier_balance(svc, client.name(), balance, threshold).await {
                    tracing::warn!(upstream = client.name(), error = %e, "the low-balance alert was not recorded; will retry");
                }
            }
            Err(e) => tracing::warn!(upstream = client.name(), error = %e, "upstream balance check failed"),
        }
        if let Err(e) = client.get_prices().await {
            tracing::info!(upstream = client.name(), error = %e, "upstream prices not refreshed");
        }
    }
}

/// Each upstream as admins see it.
pub async fn views(svc: &Services) -> Result<Vec<UpstreamView>, AppError> {
    let mut out = Vec::new();
    for client in &svc.upstreams.clients {
        let figures = client.figures();
        let (active, margin_cents): (i64, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(CASE WHEN a.status = 'open' THEN 1 END), \
                    CAST(SUM(CASE WHEN l.code_at IS NOT NULL THEN l.price_cents - a.cost_cents END) AS BIGINT) \
             FROM upstream_activations a LEFT JOIN leases l ON l.id = a.lease_id WHERE a.upstream = $1",
        )
        .bind(client.name())
        .fetch_one(&svc.db.pool)
        .await?;
        out.push(UpstreamView {
            name: client.name().to_string(),
            balance: figures.balance_cents.map(Money::from_cents),
            low_balance: client.low_balance(),
            calls: figures.calls,
            error_rate_percent: (figures.error_rate() * 100.0).round() as u32,
            breaker: client.breaker_state().to_string(),
            last_error: figures.last_error.as_ref().map(|(e, _)| e.clone()),
            last_error_at: figures.last_error.as_ref().map(|(_, at)| *at),
            open_purchases: active,
            interrupted_purchases: in_flight::recently_interrupted(svc, client.name()).await?,
            margin: Money::from_cents(margin_cents.unwrap_or(0)),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upstream_that_has_not_said_may_sell_what_it_offers() {
        let settings = UpstreamSettings { name: "alpha".into(), base_url: "http://127.0.0.1:9".into(), api_key: client::ApiKey("k".into()), ..Default::default() };
        let upstreams = Upstreams::new(vec![settings], 20).unwrap();
        assert_eq!(upstreams.stock("telegram"), UpstreamStock { counted: None, may_sell: true });
        assert_eq!(upstreams.stock("a-platform-it-does-not-map"), UpstreamStock::default());
    }
}
