//! Background tasks: keep what the policies promise about retention, and
//! keep in-memory rate-limit state small. Each spawn returns its task's
//! handle; the application stops them when it stops serving.
use std::time::Duration;

use tokio::task::JoinHandle;

use std::sync::Arc;

use app::services::{clock::{DAY_MS, HOUR_MS}, Services};

use crate::metrics::Metrics;

/// Logs a step that counts what it did: nothing for 0, `$field = n` at
/// `$level` with `$done`, or a warning with `$failed` (every step is
/// tried again at the next tick).
macro_rules! log_count {
    ($result:expr, $level:ident, $field:ident, $done:literal, $failed:literal) => {
        match &$result {
            Ok(0) => {}
            Ok(n) => tracing::$level!($field = n, $done),
            Err(e) => tracing::warn!(error = %e, $failed),
        }
    };
}

/// How long records are kept, as the Policies page states.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub security_log_days: u32,
    pub sms_hours: u32,
}

/// Deletes security records and ended sessions older than the retention
/// period the Policies page states, old rate-limit counts and refusals
/// past the week the Supply page shows; returns how many rows went.
pub async fn purge_expired_records(svc: &Services, security_log_retention_days: u32) -> Result<u64, sqlx::Error> {
    let cutoff = svc.now() - i64::from(security_log_retention_days) * DAY_MS;
    let events = sqlx::query("DELETE FROM security_events WHERE created_at < $1")
        .bind(cutoff)
        .execute(&svc.db.pool)
        .await?
        .rows_affected();
    let sessions = sqlx::query("DELETE FROM sessions WHERE (ended_at IS NOT NULL AND ended_at < $1) OR expires_at < $1")
        .bind(cutoff)
        .execute(&svc.db.pool)
        .await?
        .rows_affected();
    let codes = sqlx::query("DELETE FROM email_codes WHERE expires_at < $1")
        .bind(cutoff)
        .execute(&svc.db.pool)
        .await?
        .rows_affected();
    let hits = app::services::rate_limit::purge_ended_windows(svc).await?;
    let refusals = app::services::shortages::purge(svc).await?;
    Ok(events + sessions + codes + hits + refusals)
}

/// Replaces the text of SMS whose lease ended more than
/// `retention_hours` ago (or that matched no lease and arrived that long
/// ago) with a marker, as the Policies page promises. The extracted code
/// stays while the lease is listed; returns how many were purged.
pub async fn purge_sms_text(svc: &Services, retention_hours: u32) -> Result<u64, sqlx::Error> {
    let cutoff = svc.now() - i64::from(retention_hours) * HOUR_MS;
    let marker = format!("[text removed {retention_hours} hours after the lease ended]");
    let purged = sqlx::query(
        "UPDATE sms_messages SET body = $1, sender = '' \
         WHERE body <> $1 AND ( \
           (lease_id IS NULL AND received_at < $2) OR \
           lease_id IN (SELECT id FROM leases WHERE ended_at IS NOT NULL AND ended_at < $2))",
    )
    .bind(&marker)
    .bind(cutoff)
    .execute(&svc.db.pool)
    .await?
    .rows_affected();
    Ok(purged)
}

/// Runs the housekeeping every `every` until the process ends.
pub fn spawn_housekeeping(svc: Arc<Services>, retention: Retention, every: Duration, metrics: Arc<Metrics>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            svc.limits.forget_idle();
            let records = purge_expired_records(&svc, retention.security_log_days).await;
            log_count!(records, info, rows, "purged records past their retention period", "retention purge failed; will retry");
            let texts = purge_sms_text(&svc, retention.sms_hours).await;
            log_count!(texts, info, messages, "purged SMS text past its retention period", "SMS purge failed; will retry");
            let requests = app::services::top_up_requests::expire_stale(&svc).await;
            log_count!(requests, info, requests, "top-up requests expired", "expiring top-up requests failed; will retry");
            let phones = app::services::operator_alerts::silent_gateway_phones(&svc).await;
            log_count!(phones, warn, phones, "gateway phones went silent: admins mailed", "checking gateway phones failed; will retry");
            metrics.task_ran("housekeeping", records.is_ok() && texts.is_ok() && requests.is_ok() && phones.is_ok());
        }
    })
}

/// Ends overdue leases (refunding those without a code) and, in demo
/// mode, delivers sample codes. Runs once at start, so leases that fell
/// due while the server was down are handled first; every step is safe to
/// run on several instances at once.
pub fn spawn_lease_clock(svc: Arc<Services>, demo_code_delay: Option<Duration>, metrics: Arc<Metrics>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let expired = app::services::leases::expire_overdue(&svc).await;
            log_count!(expired, info, leases, "ended overdue leases", "lease expiry failed; will retry");
            let mut ok = expired.is_ok();
            if let Some(delay) = demo_code_delay {
                if let Err(e) = app::services::leases::deliver_demo_codes(&svc, delay.as_millis() as i64).await {
                    tracing::warn!(error = %e, "demo code delivery failed; will retry");
                    ok = false;
                }
            }
            metrics.task_ran("lease_clock", ok);
        }
    })
}

/// Listens for account changes (leases, wallets) announced by any
/// instance on the shared PostgreSQL and hands them to this instance's
/// live pages. After a connection loss it listens anew and tells the open
/// pages to reload (what was announced meanwhile went unheard).
pub fn spawn_account_notifications(database: app::services::db::DatabaseUrl, events: app::services::events::AccountEvents) -> JoinHandle<()> {
    use app::services::events::{AccountEvents, PG_CHANNEL};
    tokio::spawn(async move {
        loop {
            let listener = sqlx::postgres::PgListener::connect(database.expose()).await;
            let mut listener = match listener {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for lease changes; retrying");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    continue;
                }
            };
            if let Err(e) = listener.listen(PG_CHANNEL).await {
                tracing::warn!(error = %e, "LISTEN failed; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
            // Listening again: what was announced while we were not went
            // unheard, so open pages reload.
            events.cut_off();
            // Not `recv`: it reconnects without telling, and what was
            // announced meanwhile would be lost without anyone knowing.
            loop {
                match listener.try_recv().await {
                    Ok(Some(note)) => {
                        if let Some(change) = AccountEvents::parse_payload(note.payload()) {
                            events.deliver_locally(change);
                        }
                    }
                    Ok(None) => {
                        tracing::warn!("account notifications cut off; reconnecting");
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "account notifications interrupted; reconnecting");
                        break;
                    }
                }
            }
        }
    })
}

/// With upstreams configured: polls their open purchases every second
/// (codes, settling ended leases, cancelling orphans) and checks their
/// balances and prices every `balance_every`.
pub fn spawn_upstream_tasks(svc: Arc<Services>, balance_every: Duration, metrics: Arc<Metrics>) -> Vec<JoinHandle<()>> {
    if svc.upstreams.is_empty() {
        return Vec::new();
    }
    let poller = svc.clone();
    let poll_metrics = metrics.clone();
    let polling = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let polled = app::services::upstream::poll_due(&poller).await;
            if let Err(e) = &polled {
                tracing::warn!(error = %e, "upstream polling failed; will retry");
            }
            poll_metrics.task_ran("upstream_poller", polled.is_ok());
        }
    });
    let balances = tokio::spawn(async move {
        let mut tick = tokio::time::interval(balance_every);
        loop {
            tick.tick().await;
            app::services::upstream::refresh_balances(&svc).await;
            metrics.task_ran("upstream_balances", true);
        }
    });
    vec![polling, balances]
}

/// Sends queued mail as soon as it is queued on this instance, and every
/// few seconds otherwise (retries, and mail queued by other instances).
pub fn spawn_mail_delivery(svc: Arc<Services>, metrics: Arc<Metrics>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let round = app::services::mailer::deliver_due(&svc).await;
            if let Err(e) = &round {
                tracing::warn!(error = %e, "mail delivery round failed; will retry");
            }
            metrics.task_ran("mail", round.is_ok());
            tokio::select! {
                _ = svc.mailer.queued() => {}
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            }
        }
    })
}

/// Mails customers waiting for a platform that has numbers again: at
/// once after an admin's change to the pool on this instance, and every
/// `CHECK_EVERY` otherwise (numbers freed by leases, upstreams' stock,
/// other instances).
pub fn spawn_stock_alerts(svc: Arc<Services>, metrics: Arc<Metrics>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(app::services::stock_alerts::CHECK_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = svc.catalogue.restocked() => {}
            }
            let sent = app::services::stock_alerts::notify(&svc).await;
            log_count!(sent, info, mails, "customers told a platform has numbers again", "checking awaited platforms failed; will retry");
            metrics.task_ran("stock_alerts", sent.is_ok());
        }
    })
}

/// Mails customers whose balance fell below the amount they chose, every
/// `CHECK_EVERY`.
pub fn spawn_balance_alerts(svc: Arc<Services>, metrics: Arc<Metrics>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(app::services::balance_alerts::CHECK_EVERY);
        loop {
            tick.tick().await;
            let sent = app::services::balance_alerts::notify(&svc).await;
            log_count!(sent, info, mails, "customers told their balance is low", "checking low balances failed; will retry");
            metrics.task_ran("balance_alerts", sent.is_ok());
        }
    })
}

/// Re-reads the announcement every few seconds: an end time passes, and
/// another instance's change arrives, within that.
pub fn spawn_announcement_refresh(svc: Arc<Services>, metrics: Arc<Metrics>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(app::services::announcements::REFRESH_EVERY);
        loop {
            tick.tick().await;
            let read = app::services::announcements::refresh(&svc).await;
            if let Err(e) = &read {
                tracing::warn!(error = %e, "reading the announcement failed; will retry");
            }
            metrics.task_ran("announcement", read.is_ok());
        }
    })
}

/// Sends queued API code callbacks every second, retrying with backoff.
pub fn spawn_api_callbacks(svc: Arc<Services>, http: reqwest::Client, metrics: Arc<Metrics>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let sent = app::services::callbacks::deliver_due(&svc, &http).await;
            if let Err(e) = &sent {
                tracing::warn!(error = %e, "API callback delivery failed; will retry");
            }
            metrics.task_ran("api_callbacks", sent.is_ok());
        }
    })
}

/// Backs the embedded database up when one is due (at start, then as the
/// schedule says; a restart does not reset the count: the newest file's
/// age decides). A copy whose ledger does not add up is kept, and said loudly.
pub fn spawn_backups(schedule: crate::backup::Schedule, metrics: Arc<Metrics>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(schedule.every.min(Duration::from_secs(60)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let ok = match crate::backup::backup_if_due(&schedule).await {
                Ok(None) => true,
                Ok(Some(b)) if b.ledger.problems.is_empty() => {
                    tracing::info!(file = %b.path.display(), kb = b.bytes.div_ceil(1024), "backup written and checked");
                    true
                }
                Ok(Some(b)) => {
                    tracing::error!(file = %b.path.display(), problems = b.ledger.problems.len(), "backup written, but the ledger does not add up; run `server ledger verify`");
                    false
                }
                Err(e) => {
                    tracing::warn!(error = %e, "backup failed; will retry");
                    false
                }
            };
            metrics.task_ran("backup", ok);
        }
    })
}
