//! Account change notifications for live pages: one of a customer's
//! leases changed (a code arrived, it expired…) or their wallet did (a
//! top-up). Within one instance a broadcast channel; with several
//! instances on PostgreSQL every change goes through NOTIFY, and each
//! instance's listener re-broadcasts it to the browsers connected there.
use tokio::sync::broadcast;

/// The channel PostgreSQL carries changes on (named when it carried
/// leases only; kept so instances of both versions hear each other).
pub const PG_CHANNEL: &str = "usnh_lease_changed";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Lease(i64),
    Wallet,
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

    /// The NOTIFY payload: `<user>:<lease id>` or `<user>:wallet`.
    fn payload(&self) -> String {
        match self.topic {
            Topic::Lease(lease_id) => format!("{}:{lease_id}", self.user_id),
            Topic::Wallet => format!("{}:wallet", self.user_id),
        }
    }
}

#[derive(Debug, Clone)]
pub struct AccountEvents {
    sender: broadcast::Sender<AccountChanged>,
    /// When true, changes are announced with NOTIFY and arrive back
    /// through the listener (PostgreSQL); else broadcast directly.
    via_database: bool,
}

impl AccountEvents {
    pub fn new(via_database: bool) -> AccountEvents {
        let (sender, _) = broadcast::channel(1024);
        AccountEvents { sender, via_database }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<AccountChanged> {
        self.sender.subscribe()
    }

    /// Hands a change to the local subscribers (the listener calls this).
    pub fn deliver_locally(&self, change: AccountChanged) {
        // No subscriber is fine: nobody is watching.
        let _ = self.sender.send(change);
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
            lease => Topic::Lease(lease.parse().ok()?),
        };
        Some(AccountChanged { user_id: user.parse().ok()?, topic })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip() {
        for change in [AccountChanged::lease(7, 42), AccountChanged::wallet(7)] {
            assert_eq!(AccountEvents::parse_payload(&change.payload()), Some(change));
        }
        assert_eq!(AccountEvents::parse_payload("7:"), None);
        assert_eq!(AccountEvents::parse_payload("x:wallet"), None);
    }
}
