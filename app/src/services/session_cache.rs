//! Sessions resolved in the last second, so that a page, the data calls
//! its browser makes and its event stream, arriving together, read the
//! session row once instead of once each (with the page's own data, that
//! read was a third of a signed-in page's database round trips).
//!
//! Whatever ends a session or changes what its viewer shows (sign-out,
//! password, role, verification, disabling, deletion) commits through
//! `commit_for_user` (or calls `forget_session` after its commit), so this
//! process sees the change at once. Another server instance, or the CLI,
//! sees it within `TTL`.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use super::request::Authenticated;

const TTL: Duration = Duration::from_secs(1);
/// A bound on memory under a flood of distinct sessions.
const MAX_ENTRIES: usize = 10_000;

#[derive(Clone, Default)]
pub struct SessionCache(Arc<Mutex<Inner>>);

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    /// Bumped by every eviction: a lookup that started before one does
    /// not store what it read, which may predate the change.
    epoch: u64,
}

struct Entry {
    at: Instant,
    /// The service clock when read: tests move it, and a session past
    /// its end must not outlive it here.
    clock_at: i64,
    auth: Authenticated,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionCache")
    }
}

impl SessionCache {
    /// The session as read less than `TTL` ago, if it was.
    pub fn get(&self, session_id: &str, user_id: i64, now: i64) -> Option<Authenticated> {
        let inner = self.0.lock().ok()?;
        let entry = inner.entries.get(session_id)?;
        let fresh = entry.at.elapsed() < TTL && (0..TTL.as_millis() as i64).contains(&(now - entry.clock_at));
        (fresh && entry.auth.user_id == user_id).then(|| entry.auth.clone())
    }

    /// Where eviction stands; pass it to `put` after reading.
    pub fn epoch(&self) -> u64 {
        self.0.lock().map(|inner| inner.epoch).unwrap_or(u64::MAX)
    }

    /// Keeps a session read from the database while no eviction
    /// happened since `epoch`.
    pub fn put(&self, epoch: u64, auth: &Authenticated, now: i64) {
        let Ok(mut inner) = self.0.lock() else { return };
        if inner.epoch != epoch {
            return;
        }
        if inner.entries.len() >= MAX_ENTRIES {
            inner.entries.retain(|_, e| e.at.elapsed() < TTL);
            if inner.entries.len() >= MAX_ENTRIES {
                inner.entries.clear();
            }
        }
        inner.entries.insert(auth.session_id.clone(), Entry { at: Instant::now(), clock_at: now, auth: auth.clone() });
    }

    /// Commits a change to what the user's sessions may do or show (ended
    /// sessions, password, role, verification, disabled or deleted), then
    /// drops them from the cache. Dropping before the commit would let a
    /// read in between cache the old rows again.
    pub async fn commit_for_user(&self, tx: sqlx::Transaction<'static, sqlx::Any>, user_id: i64) -> Result<(), sqlx::Error> {
        tx.commit().await?;
        self.forget_user(user_id);
        Ok(())
    }

    /// Drops every session of the user.
    pub fn forget_user(&self, user_id: i64) {
        if let Ok(mut inner) = self.0.lock() {
            inner.epoch += 1;
            inner.entries.retain(|_, e| e.auth.user_id != user_id);
        }
    }

    /// Drops one session.
    pub fn forget_session(&self, session_id: &str) {
        if let Ok(mut inner) = self.0.lock() {
            inner.epoch += 1;
            inner.entries.remove(session_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{auth::Viewer, domain::Role};

    fn auth(session_id: &str, user_id: i64) -> Authenticated {
        Authenticated {
            user_id,
            session_id: session_id.into(),
            viewer: Viewer {
                public_id: "UN-1".into(),
                username: "ann".into(),
                email: "ann@example.com".into(),
                role: Role::Customer,
                email_verified: true,
                two_step: false,
            },
        }
    }

    #[test]
    fn keeps_a_session_for_its_user_until_forgotten() {
        let cache = SessionCache::default();
        cache.put(cache.epoch(), &auth("s1", 7), 1_000);
        cache.put(cache.epoch(), &auth("s2", 8), 1_000);
        assert!(cache.get("s1", 7, 1_500).is_some());
        assert!(cache.get("s1", 8, 1_500).is_none(), "another user's id in the token");
        cache.forget_user(7);
        assert!(cache.get("s1", 7, 1_500).is_none());
        assert!(cache.get("s2", 8, 1_500).is_some(), "other users stay");
        cache.forget_session("s2");
        assert!(cache.get("s2", 8, 1_500).is_none());
    }

    #[test]
    fn the_service_clock_ends_an_entry_too() {
        let cache = SessionCache::default();
        cache.put(cache.epoch(), &auth("s1", 7), 1_000);
        assert!(cache.get("s1", 7, 2_000).is_none(), "a second later on the service clock");
        assert!(cache.get("s1", 7, 999).is_none(), "a clock set back");
    }

    #[test]
    fn a_read_that_raced_an_eviction_is_not_kept() {
        let cache = SessionCache::default();
        let epoch = cache.epoch();
        cache.forget_user(7); // a sign-out commits while the row was being read
        cache.put(epoch, &auth("s1", 7), 1_000);
        assert!(cache.get("s1", 7, 1_000).is_none());
    }
}
