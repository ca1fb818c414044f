//! Lease change notifications for live pages. Within one instance a
//! broadcast channel; with several instances on PostgreSQL every change
//! goes through NOTIFY, and each instance's listener re-broadcasts it to
//! the browsers connected there.
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// The channel PostgreSQL carries lease changes on.
pub const PG_CHANNEL: &str = "usnh_lease_changed";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseChanged {
    pub user_id: i64,
    pub lease_id: i64,
}

#[derive(Debug, Clone)]
pub struct LeaseEvents {
    sender: broadcast::Sender<LeaseChanged>,
    /// When true, changes are announced with NOTIFY and arrive back
    /// through the listener (PostgreSQL); else broadcast directly.
    via_database: bool,
}

impl LeaseEvents {
    pub fn new(via_database: bool) -> LeaseEvents {
        let (sender, _) = broadcast::channel(1024);
        LeaseEvents { sender, via_database }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LeaseChanged> {
        self.sender.subscribe()
    }

    /// Hands a change to the local subscribers (the listener calls this).
    pub fn deliver_locally(&self, change: LeaseChanged) {
        // No subscriber is fine: nobody is watching.
        let _ = self.sender.send(change);
    }

    /// Announces a change from inside its transaction. On PostgreSQL the
    /// NOTIFY goes out with the commit (and not at all after a rollback),
    /// without a round trip of its own after it. Call `committed` once
    /// the transaction committed.
    pub async fn announce_in(&self, conn: &mut sqlx::AnyConnection, change: LeaseChanged) -> Result<(), sqlx::Error> {
        if self.via_database {
            let payload = format!("{}:{}", change.user_id, change.lease_id);
            sqlx::query("SELECT pg_notify($1, $2)").bind(PG_CHANNEL).bind(&payload).execute(conn).await?;
        }
        Ok(())
    }

    /// Delivers a change announced with `announce_in` after its commit
    /// (the listener delivers those that went through NOTIFY).
    pub fn committed(&self, change: LeaseChanged) {
        if !self.via_database {
            self.deliver_locally(change);
        }
    }

    /// Parses a NOTIFY payload.
    pub fn parse_payload(payload: &str) -> Option<LeaseChanged> {
        let (user, lease) = payload.split_once(':')?;
        Some(LeaseChanged { user_id: user.parse().ok()?, lease_id: lease.parse().ok()? })
    }
}
