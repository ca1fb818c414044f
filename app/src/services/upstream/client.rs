//! An HTTP client for one SMS-Activate-compatible upstream: a timeout on
//! every call, retries only for reads, a circuit breaker, the upstream's
//! per-minute caps, and figures for the admin view. The API key never
//! reaches a log line or an error text.
use std::{
    collections::{BTreeMap, VecDeque},
    fmt,
    num::NonZeroU32,
    sync::Mutex,
    time::Duration,
};

use governor::{DefaultDirectRateLimiter, Quota};
use serde::{Deserialize, Serialize};

use super::{
    breaker::Breaker,
    protocol::{self, ActivationStatus, SetStatus, UpstreamError},
};
use crate::services::clock::{Clock, SystemClock};

/// A secret that prints as `[redacted]`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ApiKey(pub String);

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// One upstream, as configured (`[[upstreams]]` in the config file).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpstreamSettings {
    /// Our name for it, shown to admins and stored with each lease.
    pub name: String,
    /// The handler URL, e.g. `https://daisysms.com/stubs/handler_api.php`.
    pub base_url: String,
    pub api_key: ApiKey,
    /// The upstream's country code for the USA (SMS-Activate: 187).
    pub country: String,
    /// Our platform slug → the upstream's service code, over the usual
    /// SMS-Activate codes (`whatsapp` → `wa`, `telegram` → `tg`, …).
    pub services: BTreeMap<String, String>,
    /// The most we pay for one number, in cents of the upstream's currency.
    pub max_price_cents: i64,
    pub timeout_ms: u64,
    /// The upstream's caps per minute (compatible services publish them).
    pub purchases_per_minute: u32,
    pub status_checks_per_minute: u32,
    pub cancels_per_minute: u32,
    /// Rentals the upstream lets one account hold at once.
    pub max_active: i64,
    /// Below this balance (cents) admins are warned.
    pub low_balance_cents: i64,
    /// How long after buying the upstream allows a cancel.
    pub early_cancel_secs: i64,
    pub breaker_threshold: u32,
    pub breaker_pause_secs: u64,
}

impl Default for UpstreamSettings {
    fn default() -> Self {
        UpstreamSettings {
            name: String::new(),
            base_url: String::new(),
            api_key: ApiKey::default(),
            country: "187".into(),
            services: BTreeMap::new(),
            max_price_cents: 100,
            timeout_ms: 10_000,
            purchases_per_minute: 30,
            status_checks_per_minute: 600,
            cancels_per_minute: 60,
            max_active: 20,
            low_balance_cents: 500,
            early_cancel_secs: 120,
            breaker_threshold: 5,
            breaker_pause_secs: 30,
        }
    }
}

impl UpstreamSettings {
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() || self.name.len() > 40 {
            return Err("every upstream needs a name of 1 to 40 characters".into());
        }
        let url = url::Url::parse(&self.base_url).map_err(|e| format!("upstream {}: base_url: {e}", self.name))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("upstream {}: base_url must be http or https", self.name));
        }
        if self.api_key.0.trim().is_empty() {
            return Err(format!("upstream {}: api_key is missing", self.name));
        }
        if self.max_price_cents <= 0 || self.timeout_ms == 0 {
            return Err(format!("upstream {}: max_price_cents and timeout_ms must be positive", self.name));
        }
        Ok(())
    }

    /// The upstream's code for our platform, if it offers one.
    pub fn service_code(&self, slug: &str) -> Option<String> {
        self.services
            .get(slug)
            .cloned()
            .or_else(|| protocol::service_code(slug).map(str::to_string))
            .filter(|c| !c.is_empty())
    }
}

/// What admins see of an upstream.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub calls: u64,
    /// Outcomes of the latest calls, true for a fault.
    recent: VecDeque<bool>,
    pub last_error: Option<(String, i64)>,
    pub balance_cents: Option<i64>,
    /// service code → (cost in cents, numbers available), from getPrices.
    pub prices: BTreeMap<String, (i64, i64)>,
}

impl Figures {
    pub fn error_rate(&self) -> f64 {
        if self.recent.is_empty() {
            0.0
        } else {
            self.recent.iter().filter(|f| **f).count() as f64 / self.recent.len() as f64
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read,
    Purchase,
    Status,
    Cancel,
}

fn per_minute(n: u32) -> DefaultDirectRateLimiter {
    DefaultDirectRateLimiter::direct(Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)))
}

pub struct UpstreamClient {
    pub settings: UpstreamSettings,
    http: reqwest::Client,
    breaker: Breaker,
    purchases: DefaultDirectRateLimiter,
    status_checks: DefaultDirectRateLimiter,
    cancels: DefaultDirectRateLimiter,
    figures: Mutex<Figures>,
}

impl fmt::Debug for UpstreamClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpstreamClient").field("name", &self.settings.name).finish_non_exhaustive()
    }
}

impl UpstreamClient {
    pub fn new(settings: UpstreamSettings) -> Result<UpstreamClient, String> {
        settings.validate()?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(settings.timeout_ms))
            .connect_timeout(Duration::from_millis(settings.timeout_ms.min(5_000)))
            .build()
            .map_err(|e| format!("upstream {}: HTTP client: {e}", settings.name))?;
        Ok(UpstreamClient {
            breaker: Breaker::new(settings.breaker_threshold, Duration::from_secs(settings.breaker_pause_secs)),
            purchases: per_minute(settings.purchases_per_minute),
            status_checks: per_minute(settings.status_checks_per_minute),
            cancels: per_minute(settings.cancels_per_minute),
            figures: Mutex::new(Figures::default()),
            http,
            settings,
        })
    }

    pub fn name(&self) -> &str {
        &self.settings.name
    }

    pub fn breaker_state(&self) -> &'static str {
        self.breaker.describe()
    }

    pub fn figures(&self) -> Figures {
        self.figures.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether the last balance it reported is under its alert level.
    pub fn low_balance(&self) -> bool {
        self.figures().balance_cents.is_some_and(|b| b < self.settings.low_balance_cents)
    }

    fn note(&self, error: Option<&UpstreamError>) {
        let fault = error.is_some_and(UpstreamError::is_fault);
        let mut figures = self.figures.lock().unwrap_or_else(|e| e.into_inner());
        figures.calls += 1;
        figures.recent.push_back(fault);
        if figures.recent.len() > 100 {
            figures.recent.pop_front();
        }
        if let Some(e) = error {
            figures.last_error = Some((e.to_string(), SystemClock.now_millis()));
        }
    }

    /// One request, through the breaker and the caps, read by `parse`;
    /// reads are retried (twice, with a short pause) when the upstream
    /// faults. An answer `parse` cannot read is a fault like a timeout.
    async fn call<T>(
        &self,
        kind: Kind,
        action: &str,
        params: &[(&str, String)],
        parse: impl Fn(&str) -> Result<T, UpstreamError>,
    ) -> Result<T, UpstreamError> {
        let cap = match kind {
            Kind::Read => None,
            Kind::Purchase => Some(&self.purchases),
            Kind::Status => Some(&self.status_checks),
            Kind::Cancel => Some(&self.cancels),
        };
        if cap.is_some_and(|c| c.check().is_err()) {
            return Err(UpstreamError::RateLimited);
        }
        let attempts = if matches!(kind, Kind::Read | Kind::Status) { 3 } else { 1 };
        let mut outcome = Err(UpstreamError::CircuitOpen);
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 * attempt as u64)).await;
            }
            if !self.breaker.allow() {
                return Err(UpstreamError::CircuitOpen);
            }
            outcome = self.request(action, params).await.and_then(|body| parse(&body));
            // A known error word is a normal answer; only faults count.
            let error = outcome.as_ref().err();
            let fault = error.is_some_and(UpstreamError::is_fault);
            self.breaker.record(fault);
            self.note(error);
            if !fault {
                break;
            }
        }
        outcome
    }

    async fn request(&self, action: &str, params: &[(&str, String)]) -> Result<String, UpstreamError> {
        let mut query: Vec<(&str, &str)> = vec![("api_key", self.settings.api_key.0.as_str()), ("action", action)];
        query.extend(params.iter().map(|(k, v)| (*k, v.as_str())));
        let response = self.http.get(&self.settings.base_url).query(&query).send().await.map_err(transport)?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(UpstreamError::Http(status));
        }
        let body = response.bytes().await.map_err(transport)?;
        if body.len() > 256 * 1024 {
            return Err(UpstreamError::Garbage("answer too large".into()));
        }
        Ok(String::from_utf8_lossy(&body).trim().to_string())
    }

    pub async fn get_balance(&self) -> Result<i64, UpstreamError> {
        let balance = self.call(Kind::Read, "getBalance", &[], protocol::parse_balance).await?;
        self.figures.lock().unwrap_or_else(|e| e.into_inner()).balance_cents = Some(balance);
        Ok(balance)
    }

    /// Buys a number for `service`; returns (activation id, phone).
    pub async fn get_number(&self, service: &str) -> Result<(String, String), UpstreamError> {
        let max_price = crate::domain::Money::from_cents(self.settings.max_price_cents).decimal();
        let params = [("service", service.to_string()), ("country", self.settings.country.clone()), ("maxPrice", max_price.clone()), ("max_price", max_price)];
        self.call(Kind::Purchase, "getNumber", &params, protocol::parse_number).await
    }

    pub async fn get_status(&self, activation_id: &str) -> Result<ActivationStatus, UpstreamError> {
        self.call(Kind::Status, "getStatus", &[("id", activation_id.to_string())], protocol::parse_status).await
    }

    pub async fn set_status(&self, activation_id: &str, status: SetStatus) -> Result<(), UpstreamError> {
        let kind = if status == SetStatus::Cancel { Kind::Cancel } else { Kind::Status };
        let params = [("id", activation_id.to_string()), ("status", (status as i64).to_string())];
        self.call(kind, "setStatus", &params, |answer| protocol::parse_set_status(answer, status)).await
    }

    /// Refreshes the cached prices for our country.
    pub async fn get_prices(&self) -> Result<(), UpstreamError> {
        let country = self.settings.country.clone();
        let prices = self.call(Kind::Read, "getPrices", &[("country", country.clone())], |answer| protocol::parse_prices(answer, &country)).await?;
        self.figures.lock().unwrap_or_else(|e| e.into_inner()).prices = prices.into_iter().map(|(s, cost, count)| (s, (cost, count))).collect();
        Ok(())
    }

    /// How many numbers for `service` it last said it has (none when its
    /// price list leaves the service out); None before it said anything.
    pub fn stock(&self, service: &str) -> Option<i64> {
        let figures = self.figures.lock().unwrap_or_else(|e| e.into_inner());
        (!figures.prices.is_empty()).then(|| figures.prices.get(service).map_or(0, |p| p.1))
    }

    /// What a number for `service` costs, as last seen (else the ceiling).
    pub fn expected_cost(&self, service: &str) -> i64 {
        self.figures.lock().unwrap_or_else(|e| e.into_inner()).prices.get(service).map(|p| p.0).unwrap_or(self.settings.max_price_cents)
    }
}

/// reqwest's errors quote the URL, which holds the API key: drop it.
fn transport(e: reqwest::Error) -> UpstreamError {
    if e.is_timeout() {
        UpstreamError::Timeout
    } else if e.is_connect() {
        UpstreamError::Unreachable(e.without_url().to_string())
    } else {
        UpstreamError::Transport(e.without_url().to_string())
    }
}
