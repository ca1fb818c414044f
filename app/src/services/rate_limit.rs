//! Request rate limits per client IP and per account, for the actions
//! attackers repeat: sign-in, sign-up, code checks, code mails and
//! password resets, a signed-in user's password typed again, and
//! customers' support messages (each is kept and read by a person).
//!
//! Counted twice: in memory first (per server instance; a flood stops
//! here without touching the database), then in the database, so that
//! several instances behind one address share one allowance.
use std::{num::NonZeroU32, sync::Arc, time::Duration};

use governor::{clock::{Clock as _, DefaultClock}, DefaultKeyedRateLimiter, Quota};

use super::Services;
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SignIn,
    SignUp,
    CheckCode,
    SendCode,
    SupportMessage,
    /// A signed-in user typing their password again (`passwords::confirm`).
    ConfirmPassword,
    /// A data export: every row the account has, read at once.
    Export,
}

/// Allowed events per window, for one IP and for one account.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub per_ip: u32,
    pub per_account: u32,
    pub window: Duration,
}

#[derive(Debug, Clone)]
pub struct RateLimitSettings {
    pub sign_in: Limit,
    pub sign_up: Limit,
    pub check_code: Limit,
    pub send_code: Limit,
    pub support_message: Limit,
    pub confirm_password: Limit,
    pub export: Limit,
}

impl RateLimitSettings {
    /// In `Action` order.
    fn all(&self) -> [Limit; 7] {
        [self.sign_in, self.sign_up, self.check_code, self.send_code, self.support_message, self.confirm_password, self.export]
    }
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        let minute = Duration::from_secs(60);
        RateLimitSettings {
            sign_in: Limit { per_ip: 20, per_account: 10, window: minute },
            sign_up: Limit { per_ip: 10, per_account: 10, window: Duration::from_secs(600) },
            check_code: Limit { per_ip: 30, per_account: 10, window: minute },
            send_code: Limit { per_ip: 10, per_account: 5, window: minute },
            support_message: Limit { per_ip: 30, per_account: 20, window: 10 * minute },
            // People mistype, but nobody needs more than this to set up
            // two-step sign-in or change an email; a stolen session
            // guessing the password gets 1,440 tries a day, not millions.
            confirm_password: Limit { per_ip: 30, per_account: 10, window: 10 * minute },
            // Nobody needs their whole history every minute.
            export: Limit { per_ip: 20, per_account: 5, window: 10 * minute },
        }
    }
}

struct Pair {
    ip: DefaultKeyedRateLimiter<String>,
    account: DefaultKeyedRateLimiter<String>,
}

impl Pair {
    fn new(limit: Limit) -> Pair {
        let quota = |n: u32| {
            let n = NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN);
            Quota::with_period(limit.window / n.get()).unwrap_or_else(|| Quota::per_second(n)).allow_burst(n)
        };
        Pair {
            ip: DefaultKeyedRateLimiter::keyed(quota(limit.per_ip)),
            account: DefaultKeyedRateLimiter::keyed(quota(limit.per_account)),
        }
    }
}

#[derive(Clone)]
pub struct RateLimiter {
    inner: Arc<[Pair; 7]>,
    settings: Arc<RateLimitSettings>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RateLimiter")
    }
}

impl RateLimiter {
    pub fn new(settings: &RateLimitSettings) -> RateLimiter {
        RateLimiter {
            inner: Arc::new(settings.all().map(Pair::new)),
            settings: Arc::new(settings.clone()),
        }
    }

    fn limit(&self, action: Action) -> Limit {
        self.settings.all()[action as usize]
    }

    fn pair(&self, action: Action) -> &Pair {
        &self.inner[action as usize]
    }

    /// This instance's count (see `check` for both).
    fn check_here(&self, action: Action, ip: &str, account: Option<&str>) -> Result<(), AppError> {
        let pair = self.pair(action);
        let clock = DefaultClock::default();
        pair.ip
            .check_key(&ip.to_string())
            .map_err(|not_until| AppError::RateLimited(not_until.wait_time_from(clock.now()).as_secs().max(1)))?;
        if let Some(account) = account {
            pair.account
                .check_key(&account.to_lowercase())
                .map_err(|not_until| AppError::RateLimited(not_until.wait_time_from(clock.now()).as_secs().max(1)))?;
        }
        Ok(())
    }

    /// Forgets keys that are back to full allowance (call periodically).
    pub fn forget_idle(&self) {
        for pair in self.inner.iter() {
            pair.ip.retain_recent();
            pair.account.retain_recent();
        }
    }
}

/// Counts one attempt from `ip` (and for `account`, when known);
/// `RateLimited(seconds)` once either is over its limit, on this instance
/// or on all of them together.
pub async fn check(svc: &Services, action: Action, ip: &str, account: Option<&str>) -> Result<(), AppError> {
    svc.limits.check_here(action, ip, account)?;
    let limit = svc.limits.limit(action);
    count_shared(svc, action as i64, &format!("ip|{ip}"), limit.per_ip, limit.window).await?;
    if let Some(account) = account {
        count_shared(svc, action as i64, &format!("account|{}", account.to_lowercase()), limit.per_account, limit.window).await?;
    }
    Ok(())
}

/// The shared count's action code for reseller API keys (`api_keys::admit`);
/// `Action`'s codes are its small numbers.
pub(crate) const API_KEY_ACTION: i64 = 100;

/// One more hit in the subject's current fixed window, across instances.
pub(crate) async fn count_shared(svc: &Services, action: i64, subject: &str, limit: u32, window: Duration) -> Result<(), AppError> {
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX).max(1);
    let now = svc.now();
    let window_start = now - now.rem_euclid(window_ms);
    let hits: i64 = sqlx::query_scalar(
        "INSERT INTO rate_limit_hits (action, subject, window_start, hits) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (action, subject, window_start) DO UPDATE SET hits = rate_limit_hits.hits + 1 \
         RETURNING hits",
    )
    .bind(action)
    .bind(super::tokens::keyed_hex(svc.signing_key.as_slice(), &[subject.as_bytes()]))
    .bind(window_start)
    .fetch_one(&svc.db.pool)
    .await?;
    if hits > i64::from(limit) {
        let wait_ms = window_start + window_ms - now;
        return Err(AppError::RateLimited(u64::try_from((wait_ms + 999) / 1000).unwrap_or(1).max(1)));
    }
    Ok(())
}

/// Forgets the shared counts of windows that have ended (soon after: a
/// crowd of addresses adds a row each).
pub async fn purge_ended_windows(svc: &Services) -> Result<u64, sqlx::Error> {
    let longest = svc.limits.settings.all().iter().map(|l| l.window).max().unwrap_or_default();
    let before = svc.now() - i64::try_from(longest.as_millis()).unwrap_or(i64::MAX / 2);
    Ok(sqlx::query("DELETE FROM rate_limit_hits WHERE window_start < $1").bind(before).execute(&svc.db.pool).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_ip_and_per_account() {
        let limit = Limit { per_ip: 3, per_account: 2, window: Duration::from_secs(60) };
        let settings = RateLimitSettings { sign_in: limit, sign_up: limit, check_code: limit, send_code: limit, support_message: limit, confirm_password: limit, export: limit };
        let limiter = RateLimiter::new(&settings);
        assert!(limiter.check_here(Action::SignIn, "1.1.1.1", Some("ann")).is_ok());
        assert!(limiter.check_here(Action::SignIn, "1.1.1.1", Some("ANN")).is_ok());
        assert!(matches!(limiter.check_here(Action::SignIn, "2.2.2.2", Some("ann")), Err(AppError::RateLimited(_))));
        assert!(limiter.check_here(Action::SignIn, "1.1.1.1", Some("bob")).is_ok());
        assert!(matches!(limiter.check_here(Action::SignIn, "1.1.1.1", Some("cy")), Err(AppError::RateLimited(s)) if s >= 1));
        // Other actions count separately.
        assert!(limiter.check_here(Action::SignUp, "1.1.1.1", None).is_ok());
    }
}
