//! Everything services need, built once by the server and handed to
//! server functions through Leptos context.
use std::sync::Arc;

use leptos::prelude::use_context;

use super::{clock::{Clock, DAY_MS, HOUR_MS, MINUTE_MS}, db::Db, mailer::Mailer, passwords::PasswordHasher, rate_limit::RateLimiter};
use crate::error::AppError;

/// Session and code lifetimes; tests shorten them.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Set `Secure` and the `__Host-` prefix on cookies (served over HTTPS).
    pub secure_cookies: bool,
    pub access_ttl_ms: i64,
    pub refresh_ttl_ms: i64,
    /// Two tabs refreshing at once both stay signed in within this window.
    pub refresh_grace_ms: i64,
    pub admin_idle_ms: i64,
    pub admin_max_ms: i64,
    /// Admin server functions and routes refuse admins without two-step
    /// sign-in (`Authenticated::admin`).
    pub admin_two_step: bool,
    pub code_ttl_ms: i64,
    pub code_max_attempts: i64,
    /// Wrong codes one account may send per purpose in 24 hours, across
    /// codes: a fresh code each minute would otherwise allow 7,200
    /// guesses a day at a reset code.
    pub code_max_wrong_per_day: i64,
    pub code_resend_interval_ms: i64,
    pub terms_version: String,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            secure_cookies: false,
            access_ttl_ms: 15 * MINUTE_MS,
            refresh_ttl_ms: 30 * DAY_MS,
            refresh_grace_ms: 10_000,
            admin_idle_ms: HOUR_MS,
            admin_max_ms: 24 * HOUR_MS,
            admin_two_step: false,
            code_ttl_ms: 15 * MINUTE_MS,
            code_max_attempts: 5,
            code_max_wrong_per_day: 20,
            code_resend_interval_ms: MINUTE_MS,
            terms_version: crate::pages::policies::POLICIES_LAST_UPDATED.to_string(),
        }
    }
}

/// Lease rules the operator sets.
#[derive(Debug, Clone)]
pub struct LeaseSettings {
    /// Open leases one customer may hold at once.
    pub max_open_per_user: i64,
    /// A number that received a code for a platform is leased for that
    /// platform again only after this long; None: never.
    pub reuse_after_code_ms: Option<i64>,
}

impl Default for LeaseSettings {
    fn default() -> Self {
        LeaseSettings { max_open_per_user: 1, reuse_after_code_ms: None }
    }
}

#[derive(Clone, Debug)]
pub struct Services {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub hasher: PasswordHasher,
    pub mailer: Mailer,
    /// Key for signing access tokens and hashing one-time codes.
    pub signing_key: Arc<[u8; 32]>,
    /// The operator's name for the service (`USNH_BRAND_NAME`), as mails
    /// and authenticator apps show it.
    pub brand: Arc<str>,
    /// The site's public address without a trailing slash
    /// (`USNH_PUBLIC_URL`), for links in mails; none on a local server.
    pub public_url: Option<Arc<str>>,
    pub auth: Arc<AuthSettings>,
    pub limits: RateLimiter,
    /// The numbers leases are picked from.
    pub numbers: super::providers::NumberSources,
    pub catalogue: super::platforms::CatalogueCache,
    /// The announcement pages show, as this instance last read it.
    pub announcements: super::announcements::AnnouncementBoard,
    pub leases: Arc<LeaseSettings>,
    pub events: super::events::AccountEvents,
    /// SMS-Activate-compatible suppliers, asked after the operator's pool.
    pub upstreams: Arc<super::upstream::Upstreams>,
    /// Reseller API: per-key limits, callback rules.
    pub api: Arc<super::api_keys::ApiPolicy>,
    /// Sessions read in the last second.
    pub session_cache: super::session_cache::SessionCache,
    /// Work with an effect outside (a supplier's sale or cancel) that must
    /// finish even when the request that started it is gone; the server
    /// waits for it before it stops.
    pub outside_effects: tokio_util::task::TaskTracker,
}

impl Services {
    pub fn now(&self) -> i64 {
        self.clock.now_millis()
    }

    /// Runs `work` (given its own handle on the services) to its end even
    /// when the caller is dropped, a closed tab; a stopping server waits
    /// for it (`outside_effects`).
    pub fn run_to_the_end<F>(&self, work: impl FnOnce(Services) -> F) -> tokio::task::JoinHandle<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.outside_effects.spawn(work(self.clone()))
    }
}

/// The services, inside a server function or SSR (shared, not copied:
/// a page asks for them several times).
pub fn services() -> Result<Arc<Services>, AppError> {
    use_context::<Arc<Services>>().ok_or_else(|| {
        tracing::error!("services missing from context");
        AppError::Internal
    })
}
