//! Where numbers come from. Every source sits behind `NumberProvider`;
//! a lease asks the configured providers in order until one has a number.
//! Today: the operator's own pool (SMS arrives by webhook) and the demo
//! range; the upstream SMS-Activate client (issue 8) plugs in here too.
use std::{fmt::Debug, future::Future, pin::Pin};

use sqlx::AnyConnection;

/// A number a provider offers for one lease.
#[derive(Debug, Clone)]
pub struct PickedNumber {
    pub number_id: i64,
    pub e164: String,
}

/// What a lease needs to know about the number's platform history.
#[derive(Debug, Clone, Copy)]
pub struct PickRules {
    pub platform_id: i64,
    /// A number that got a code for this platform is not leased for it
    /// again until this long after (None: never again).
    pub reuse_after_code_ms: Option<i64>,
    pub now: i64,
}

pub type PickFuture<'a> = Pin<Box<dyn Future<Output = Result<Option<PickedNumber>, sqlx::Error>> + Send + 'a>>;

pub trait NumberProvider: Send + Sync + Debug {
    fn name(&self) -> &'static str;
    /// Shown as "demo" on the page.
    fn is_demo(&self) -> bool;
    /// Offers a free number, inside the lease's write transaction; the
    /// lease row (unique per open number) is what reserves it.
    fn pick<'a>(&'a self, conn: &'a mut AnyConnection, rules: PickRules) -> PickFuture<'a>;
}

/// Numbers in the `numbers` table with one `source`.
#[derive(Debug)]
pub struct TableProvider {
    source: &'static str,
}

impl TableProvider {
    /// The operator's own numbers; SMS reaches them through webhooks.
    pub fn operator_pool() -> TableProvider {
        TableProvider { source: "pool" }
    }

    /// The fictional (202) 555-01xx range, with sample codes.
    pub fn demo() -> TableProvider {
        TableProvider { source: "demo" }
    }
}

impl NumberProvider for TableProvider {
    fn name(&self) -> &'static str {
        self.source
    }

    fn is_demo(&self) -> bool {
        self.source == "demo"
    }

    fn pick<'a>(&'a self, conn: &'a mut AnyConnection, rules: PickRules) -> PickFuture<'a> {
        Box::pin(async move {
            let cutoff = rules.reuse_after_code_ms.map(|ms| rules.now - ms).unwrap_or(i64::MAX);
            // On PostgreSQL concurrent confirmations would all pick the same
            // least-recently-used number and all but one retry; each locks
            // its pick and skips the others'. (SQLite writes one at a time.)
            let lock = if conn.backend_name() == "PostgreSQL" { " FOR UPDATE OF n SKIP LOCKED" } else { "" };
            let row: Option<(i64, String)> = sqlx::query_as(&format!(
                "SELECT n.id, n.e164 FROM numbers n \
                 WHERE n.enabled = 1 AND n.source = $1 \
                   AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.number_id = n.id AND l.state IN ('active', 'code_received')) \
                   AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.number_id = n.id AND l.platform_id = $2 \
                                   AND l.code_at IS NOT NULL AND l.code_at < $3) \
                 ORDER BY COALESCE((SELECT MAX(l.created_at) FROM leases l WHERE l.number_id = n.id), 0), n.id \
                 LIMIT 1{lock}"
            ))
            .bind(self.source)
            .bind(rules.platform_id)
            .bind(cutoff)
            .fetch_optional(&mut *conn)
            .await?;
            Ok(row.map(|(number_id, e164)| PickedNumber { number_id, e164 }))
        })
    }
}
