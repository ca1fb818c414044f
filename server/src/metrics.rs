//! Prometheus metrics at `GET /metrics` (bearer token from
//! `USNH_METRICS_TOKEN`; off without one): HTTP requests by route and
//! status with latency histograms, webhook failures, open event streams and
//! background task health, counted in this process; leases by state,
//! refunds and queued mail, read from the database at each scrape (the
//! same on every instance).
use std::{
    sync::atomic::AtomicU64,
    time::{Instant, SystemTime, UNIX_EPOCH},
};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, HeaderMap, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use prometheus_client::{
    encoding::{text::encode, EncodeLabelSet},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{exponential_buckets, Histogram},
    },
    registry::Registry,
};

use crate::startup::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WebhookLabels {
    gateway: String,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TaskLabels {
    task: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms … ~8 s
    Histogram::new(exponential_buckets(0.0005, 2.0, 15))
}

pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    webhook_failures: Family<WebhookLabels, Counter>,
    sse_open: Gauge,
    connections_refused: Counter,
    task_failures: Family<TaskLabels, Counter>,
    task_last_success: Family<TaskLabels, Gauge<f64, AtomicU64>>,
    leases: Family<StateLabels, Gauge>,
    refunds: Gauge,
    refunded_cents: Gauge,
    mail_queued: Gauge,
    turned_away: Gauge,
    unmatched_sms: Gauge,
    silent_phones: Gauge,
    numbers_without_codes: Gauge,
    platforms_unavailable: Gauge,
    support_open: Gauge,
    support_awaiting: Gauge,
    tls_certificate_expiry: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("usnh");
        let metrics = Metrics {
            http_requests: Family::default(),
            http_latency: Family::new_with_constructor(latency_histogram),
            webhook_failures: Family::default(),
            sse_open: Gauge::default(),
            connections_refused: Counter::default(),
            task_failures: Family::default(),
            task_last_success: Family::default(),
            leases: Family::default(),
            refunds: Gauge::default(),
            refunded_cents: Gauge::default(),
            mail_queued: Gauge::default(),
            turned_away: Gauge::default(),
            unmatched_sms: Gauge::default(),
            silent_phones: Gauge::default(),
            numbers_without_codes: Gauge::default(),
            platforms_unavailable: Gauge::default(),
            support_open: Gauge::default(),
            support_awaiting: Gauge::default(),
            tls_certificate_expiry: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register("http_requests", "HTTP requests by route, method and status", metrics.http_requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency by route", metrics.http_latency.clone());
        registry.register("webhook_failures", "Inbound SMS webhooks refused or failed", metrics.webhook_failures.clone());
        registry.register("sse_connections_open", "Open live-update (Server-Sent Events) streams", metrics.sse_open.clone());
        registry.register(
            "connections_refused",
            "Connections closed on arrival: their address held its USNH_MAX_CONNECTIONS_PER_ADDRESS",
            metrics.connections_refused.clone(),
        );
        registry.register("task_failures", "Background task runs that failed", metrics.task_failures.clone());
        registry.register(
            "task_last_success_timestamp_seconds",
            "When each background task last completed a run",
            metrics.task_last_success.clone(),
        );
        registry.register("leases", "Leases by state (database)", metrics.leases.clone());
        registry.register("refunds", "Refund ledger entries (database)", metrics.refunds.clone());
        registry.register("refunded_cents", "Cents refunded in all (database)", metrics.refunded_cents.clone());
        registry.register("mail_queued", "Mail waiting to be sent over SMTP (database)", metrics.mail_queued.clone());
        registry.register(
            "customers_turned_away_last_day",
            "Confirmations refused in the last 24 hours because no source had a number (database)",
            metrics.turned_away.clone(),
        );
        registry.register("unmatched_sms", "SMS no lease took that no admin assigned or dismissed yet (database)", metrics.unmatched_sms.clone());
        registry.register(
            "gateway_phones_silent",
            "Android gateway phones that ping but have gone silent; their numbers get no new leases (database)",
            metrics.silent_phones.clone(),
        );
        registry.register(
            "numbers_without_codes",
            format!(
                "Pool numbers whose leases for a platform in the last {} days ({} or more) all ended without a code (database)",
                app::number_pool::SILENT_WITHIN_DAYS,
                app::number_pool::SILENT_AFTER_LEASES
            ),
            metrics.numbers_without_codes.clone(),
        );
        registry.register(
            "platforms_unavailable",
            "Platforms on offer that customers cannot choose now: no free number of ours for them and no supplier counted any (database, at most 2 s old)",
            metrics.platforms_unavailable.clone(),
        );
        registry.register("support_tickets_open", "Support tickets open (database)", metrics.support_open.clone());
        registry.register(
            "support_tickets_awaiting_reply",
            "Open support tickets whose last message is the customer's (database)",
            metrics.support_awaiting.clone(),
        );
        registry.register(
            "tls_certificate_expiry_timestamp_seconds",
            "When the TLS certificate this server serves expires (HTTPS served directly; else 0)",
            metrics.tls_certificate_expiry.clone(),
        );
        Metrics { registry, ..metrics }
    }
}

/// Decrements the open-streams gauge when an event stream ends.
pub struct OpenStream(Gauge);

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Metrics {
    pub fn webhook_failed(&self, gateway: &str, reason: &str) {
        self.webhook_failures.get_or_create(&WebhookLabels { gateway: gateway.into(), reason: reason.into() }).inc();
    }

    pub fn connection_refused(&self) {
        self.connections_refused.inc();
    }

    pub fn stream_opened(&self) -> OpenStream {
        self.sse_open.inc();
        OpenStream(self.sse_open.clone())
    }

    /// Records one run of a background task.
    pub fn task_ran(&self, task: &str, ok: bool) {
        let labels = TaskLabels { task: task.into() };
        if ok {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
            self.task_last_success.get_or_create(&labels).set(now);
        } else {
            self.task_failures.get_or_create(&labels).inc();
        }
    }

    /// The served certificate's end of validity (Unix seconds).
    pub fn certificate_served(&self, expires_at: i64) {
        self.tls_certificate_expiry.set(expires_at);
    }

    fn observe(&self, route: String, method: &str, status: u16, seconds: f64) {
        self.http_latency.get_or_create(&RouteLabels { route: route.clone() }).observe(seconds);
        self.http_requests.get_or_create(&HttpLabels { route, method: method.into(), status }).inc();
    }
}

/// Counts and times every request under its route pattern (server
/// functions under their own path; unknown paths as one label, so random
/// URLs cannot grow the label set).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let matched = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let response = next.run(req).await;
    let status = response.status().as_u16();
    let route = match matched {
        Some(_) if path.starts_with("/api/") && status != 404 => path,
        Some(route) => route,
        None if path.starts_with("/pkg/") => "/pkg/*".into(),
        None => "unmatched".into(),
    };
    state.metrics.observe(route, &method, status, started.elapsed().as_secs_f64());
    response
}

/// The gauges read from the database, which every instance shares; none
/// is set unless all were read.
async fn database_figures(metrics: &Metrics, svc: &app::services::Services) -> Result<(), app::error::AppError> {
    use app::services::supply_attention;
    let pool = &svc.db.pool;
    let by_state: Vec<(String, i64)> = sqlx::query_as("SELECT state, COUNT(*) FROM leases GROUP BY state").fetch_all(pool).await?;
    let (refunds, refunded_cents): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM ledger_entries WHERE kind = 'refund'").fetch_one(pool).await?;
    let mail_queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox").fetch_one(pool).await?;
    let turned_away = app::services::shortages::last_day_count(svc).await?;
    let unmatched_sms = supply_attention::unmatched_sms(svc).await?;
    let silent_phones = supply_attention::silent_phones(svc).await?;
    let numbers_without_codes = app::services::silent_numbers::count(svc).await?;
    let unavailable = app::services::platforms::list_enabled(svc).await?.iter().filter(|p| !p.available).count() as i64;
    let (support_open, support_awaiting) = app::services::support::open_tickets(svc).await?;
    for (lease_state, n) in by_state {
        metrics.leases.get_or_create(&StateLabels { state: lease_state }).set(n);
    }
    metrics.refunds.set(refunds);
    metrics.refunded_cents.set(refunded_cents);
    metrics.mail_queued.set(mail_queued);
    metrics.turned_away.set(turned_away);
    metrics.unmatched_sms.set(unmatched_sms);
    metrics.silent_phones.set(silent_phones);
    metrics.numbers_without_codes.set(numbers_without_codes);
    metrics.platforms_unavailable.set(unavailable);
    metrics.support_open.set(support_open);
    metrics.support_awaiting.set(support_awaiting);
    Ok(())
}

fn bearer(headers: &HeaderMap) -> &str {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("")
}

/// `GET /metrics` in the Prometheus text format.
pub async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = state.config.metrics_token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !app::services::constant_time::eq(bearer(&headers).as_bytes(), token.as_bytes()) {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "metrics need the bearer token").into_response();
    }
    let metrics = &state.metrics;
    if let Err(e) = database_figures(metrics, &state.services).await {
        tracing::warn!(error = %e, "metrics: database figures unavailable");
    }
    let mut body = String::new();
    if encode(&mut body, &metrics.registry).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], body).into_response()
}
