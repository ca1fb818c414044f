//! Account change notifications for live pages: one of a customer's
//! leases changed (a code arrived, it expired…), their wallet did (a
//! top-up) or one of their support tickets did (support replied). Within
//! one instance a broadcast channel; with several instances on PostgreSQL
//! every change goes through NOTIFY, and each instance's listener
//! re-broadcasts it to the browsers connected there.
//!
//! Each instance also remembers what it heard lately, so that a page
//! rendered before its stream opened can ask whether it missed anything
//! in between (`changed_after`) instead of reloading to be sure.
use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use tokio::sync::broadcast;

use super::clock::{Clock, SystemClock, MINUTE_MS};

/// The channel PostgreSQL carries changes on (named when it carried
/// leases only; kept so instances of both versions hear each other).
pub const PG_CHANNEL: &str = "usnh_lease_changed";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Lease(i64),
    Wallet,
    /// One of the customer's support tickets (opened, a message, closed):
    /// the customer's pages hear it, and so does staff's console.
    Ticket(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountChanged {
    pub user_id: i64,
    pub topic: Topic,
}

impl AccountChanged {
    pub fn lease(user_id: i64, lease_id: i64) -> AccountChanged {
        AccountChanged { user_id, topic: Topic::Lease(lease_id) }
    }

    pub fn wallet(user_id: i64) -> AccountChanged {
        AccountChanged { user_id, topic: Topic::Wallet }
    }

    pub fn ticket(user_id: i64, ticket_id: i64) -> AccountChanged {
        AccountChanged { user_id, topic: Topic::Ticket(ticket_id) }
    }

    /// The NOTIFY payload: `<user>:<lease id>`, `<user>:wallet` or `<user>:ticket:<ticket id>`.
    fn payload(&self) -> String {
        match self.topic {
            Topic::Lease(lease_id) => format!("{}:{lease_id}", self.user_id),
            Topic::Wallet => format!("{}:wallet", self.user_id),
            Topic::Ticket(ticket_id) => format!("{}:ticket:{ticket_id}", self.user_id),
        }
    }
}

/// What the local subscribers hear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    Change(AccountChanged),
    /// The database listener was cut off: changes may have gone unheard.
    MayHaveMissed,
}

#[derive(Debug, Clone)]
pub struct AccountEvents {
    sender: broadcast::Sender<Heard>,
    /// When true, changes are announced with NOTIFY and arrive back
    /// through the listener (PostgreSQL); else broadcast directly.
    via_database: bool,
    log: Arc<Mutex<HeardLog>>,
}

impl AccountEvents {
    pub fn new(via_database: bool) -> AccountEvents {
        let (sender, _) = broadcast::channel(1024);
        AccountEvents { sender, via_database, log: Arc::new(Mutex::new(HeardLog::new(wall_clock_ms()))) }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Heard> {
        self.sender.subscribe()
    }

    /// Where a page's data stands in this stream of changes: take it
    /// before reading, hand it to the page's event stream.
    pub fn cursor(&self) -> i64 {
        wall_clock_ms()
    }

    /// Whether `user_id` may have changed since `cursor` (possibly taken on
    /// another instance). When this instance cannot tell, yes.
    pub fn changed_after(&self, user_id: i64, cursor: i64) -> bool {
        self.log().changed_after(user_id, cursor)
    }

    /// Hands a change to the local subscribers (the listener calls this).
    pub fn deliver_locally(&self, change: AccountChanged) {
        self.log().heard(change.user_id, wall_clock_ms());
        // No subscriber is fine: nobody is watching.
        let _ = self.sender.send(Heard::Change(change));
    }

    /// The listener was cut off and is back: what changed meanwhile went
    /// unheard, so every open stream is told to reload.
    pub fn cut_off(&self) {
        self.log().cut_off(wall_clock_ms());
        let _ = self.sender.send(Heard::MayHaveMissed);
    }

    fn log(&self) -> std::sync::MutexGuard<'_, HeardLog> {
        self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Announces a change from inside its transaction. On PostgreSQL the
    /// NOTIFY goes out with the commit (and not at all after a rollback),
    /// without a round trip of its own after it. Call `committed` once
    /// the transaction committed.
    pub async fn announce_in(&self, conn: &mut sqlx::AnyConnection, change: AccountChanged) -> Result<(), sqlx::Error> {
        if self.via_database {
            sqlx::query("SELECT pg_notify($1, $2)").bind(PG_CHANNEL).bind(change.payload()).execute(conn).await?;
        }
        Ok(())
    }

    /// Delivers a change announced with `announce_in` after its commit
    /// (the listener delivers those that went through NOTIFY).
    pub fn committed(&self, change: AccountChanged) {
        if !self.via_database {
            self.deliver_locally(change);
        }
    }

    /// Parses a NOTIFY payload.
    pub fn parse_payload(payload: &str) -> Option<AccountChanged> {
        let (user, topic) = payload.split_once(':')?;
        let topic = match topic {
            "wallet" => Topic::Wallet,
            other => match other.strip_prefix("ticket:") {
                Some(ticket) => Topic::Ticket(ticket.parse().ok()?),
                None => Topic::Lease(other.parse().ok()?),
            },
        };
        Some(AccountChanged { user_id: user.parse().ok()?, topic })
    }
}

/// The system clock, not the services' (tests move theirs by hand):
/// cursors travel between instances, whose clocks NTP keeps together.
fn wall_clock_ms() -> i64 {
    SystemClock.now_millis()
}

/// Remembered this long (a page's stream opens within seconds of its render).
const KEEP_MS: i64 = 10 * MINUTE_MS;
const KEEP_AT_MOST: usize = 100_000;
/// Instances' clocks may differ by this much: changes heard this long
/// before a cursor count as after it.
const CLOCK_SLACK_MS: i64 = 2_000;

/// Who changed when, as heard here.
#[derive(Debug)]
struct HeardLog {
    /// Everything heard from this time on is in `entries`.
    complete_from: i64,
    /// (heard at, user id), oldest first.
    entries: VecDeque<(i64, i64)>,
}

impl HeardLog {
    fn new(now: i64) -> HeardLog {
        HeardLog { complete_from: now, entries: VecDeque::new() }
    }

    fn heard(&mut self, user_id: i64, now: i64) {
        // Kept in order even if the clock steps back.
        let now = self.entries.back().map_or(now, |&(last, _)| now.max(last));
        self.entries.push_back((now, user_id));
        while let Some(&(at, _)) = self.entries.front() {
            if at >= now - KEEP_MS && self.entries.len() <= KEEP_AT_MOST {
                break;
            }
            self.entries.pop_front();
            self.complete_from = self.complete_from.max(at + 1);
        }
    }

    fn cut_off(&mut self, now: i64) {
        self.complete_from = now;
        self.entries.clear();
    }

    fn changed_after(&self, user_id: i64, cursor: i64) -> bool {
        let from = cursor.saturating_sub(CLOCK_SLACK_MS);
        from < self.complete_from || self.entries.iter().rev().take_while(|(at, _)| *at >= from).any(|(_, user)| *user == user_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip() {
        for change in [AccountChanged::lease(7, 42), AccountChanged::wallet(7), AccountChanged::ticket(7, 3)] {
            assert_eq!(AccountEvents::parse_payload(&change.payload()), Some(change));
        }
        assert_eq!(AccountEvents::parse_payload("7:"), None);
        assert_eq!(AccountEvents::parse_payload("x:wallet"), None);
        assert_eq!(AccountEvents::parse_payload("7:ticket:"), None);
    }

    #[test]
    fn a_cursor_hears_only_what_came_after_it() {
        let start = 1_000_000;
        let mut log = HeardLog::new(start);
        assert!(log.changed_after(7, start + 1_000), "too close to the start to tell");
        let cursor = start + 10_000;
        assert!(!log.changed_after(7, cursor), "nothing heard");
        log.heard(7, cursor - CLOCK_SLACK_MS - 1);
        assert!(!log.changed_after(7, cursor), "before the cursor, beyond the clocks' slack");
        log.heard(8, cursor + 5);
        assert!(!log.changed_after(7, cursor), "someone else's change");
        log.heard(7, cursor + 10);
        assert!(log.changed_after(7, cursor));
        assert!(!log.changed_after(7, cursor + CLOCK_SLACK_MS + 100));
        let mut close = HeardLog::new(start);
        close.heard(7, cursor - 10);
        assert!(close.changed_after(7, cursor), "within the slack counts as after");
        log.cut_off(cursor + 20_000);
        assert!(log.changed_after(8, cursor + 20_000 + CLOCK_SLACK_MS - 1), "after a cut-off nobody can tell");
        assert!(!log.changed_after(8, cursor + 20_000 + CLOCK_SLACK_MS + 1));
    }

    #[test]
    fn the_log_forgets_old_changes_and_says_so() {
        let mut log = HeardLog::new(0);
        log.heard(7, 10_000);
        log.heard(8, 10_000 + KEEP_MS + 1);
        assert_eq!(log.entries.len(), 1);
        assert!(log.changed_after(7, 10_000 + CLOCK_SLACK_MS), "forgotten, so maybe");
        assert!(!log.changed_after(7, 10_000 + KEEP_MS + CLOCK_SLACK_MS + 2));
    }
}
