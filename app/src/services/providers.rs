//! Where the numbers in the `numbers` table come from, and picking a free
//! one for a lease. The operator's own pool (SMS arrives by webhook) comes
//! first; in demo mode the fictional range follows. Upstream suppliers
//! (`upstream`) are asked between the two by the lease itself, because
//! buying is an HTTP call that must not run inside the transaction.
use std::collections::HashMap;

use sqlx::AnyConnection;

use super::{db::Backend, silent_numbers::SilentCache};
use crate::domain::UsPhoneNumber;

/// A number offered for one lease.
#[derive(Debug, Clone)]
pub struct PickedNumber {
    pub number_id: i64,
    pub e164: String,
    /// From the demo range (shown as "demo" on the page).
    pub demo: bool,
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

/// Which number a lease wants.
#[derive(Debug, Clone, Copy)]
pub enum Wanted<'a> {
    /// The least recently used free number of these sources, after those
    /// the customer tried for the platform lately without getting a code,
    /// and after `silent`, those the platform seems to refuse
    /// (`silent_numbers::of_platform`).
    Any { scope: Scope, user_id: i64, silent: &'a [i64] },
    /// A number the customer leased before ("Rent again"), if it is free:
    /// from the pool or the demo range, never an upstream's (bought for
    /// one lease, and gone with it).
    Again { user_id: i64, number: &'a UsPhoneNumber },
}

/// How long a number the customer tried for a platform without a code
/// goes after the others for them (see `pick`).
const TRIED_LATELY_MS: i64 = super::clock::DAY_MS;

/// Which of the table's sources a pick may take from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The operator's pool only, without the numbers the platform seems
    /// to refuse: a supplier's number is bought before one of those.
    Own,
    /// Every configured source, the pool first.
    All,
}

#[derive(Debug, Clone)]
pub struct NumberSources {
    demo: bool,
    pub(super) silent: SilentCache,
}

impl NumberSources {
    /// `demo`: the fictional (202) 555-01xx range is leased once the pool
    /// is empty.
    pub fn new(demo: bool) -> NumberSources {
        NumberSources { demo, silent: SilentCache::default() }
    }

    /// A free number for the lease, in one query inside the lease's write
    /// transaction; the lease row (unique per open number) is what
    /// reserves it.
    pub async fn pick(&self, conn: &mut AnyConnection, rules: PickRules, wanted: Wanted<'_>) -> Result<Option<PickedNumber>, sqlx::Error> {
        let (scope, again, user_id, silent) = match wanted {
            Wanted::Any { scope, user_id, silent } => (scope, None, user_id, silent),
            Wanted::Again { user_id, number } => (Scope::All, Some(number), user_id, &[][..]),
        };
        let free = self.free_where(scope, "$3");
        let cutoff = reuse_cutoff(rules.reuse_after_code_ms, rules.now);
        // Again: one of the customer's earlier numbers, which codes on
        // their own leases do not keep from them.
        let (this_number, not_kept) = match again {
            Some(_) => (
                " AND n.e164 = $6 AND (SELECT 1 FROM leases m WHERE m.number_id = n.id AND m.user_id = $4 LIMIT 1) IS NOT NULL",
                not_kept("$1", "$2", Some("$4")),
            ),
            None => ("", not_kept("$1", "$2", None)),
        };
        // A customer who cancelled a number, or saw it run out, for the
        // platform asks again for another one: the platform may have
        // refused it. Theirs go last (not out: one is better than none).
        // Uncorrelated and bounded, so it is read once, not per number.
        let tried = "CASE WHEN n.id IN (SELECT t.number_id FROM leases t WHERE t.user_id = $4 AND t.platform_id = $1 \
                     AND t.code_at IS NULL AND t.created_at > $5 ORDER BY t.id DESC LIMIT 20) THEN 1 ELSE 0 END";
        // Numbers the platform seems to refuse: left out of the pool's own
        // pick (a supplier may have a better one), last otherwise. Our own
        // IDs, written into the text: sqlx's Any driver binds no lists.
        let ids = silent.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let (skip_silent, silent_last) = match scope {
            _ if silent.is_empty() => (String::new(), String::new()),
            Scope::Own => (format!(" AND n.id NOT IN ({ids})"), String::new()),
            Scope::All => (String::new(), format!("CASE WHEN n.id IN ({ids}) THEN 1 ELSE 0 END, ")),
        };
        // On PostgreSQL concurrent confirmations would all pick the same
        // least-recently-used number and all but one retry; each locks
        // its pick and skips the others'. (SQLite writes one at a time.)
        let lock = if Backend::of(conn) == Backend::Postgres { " FOR UPDATE OF n SKIP LOCKED" } else { "" };
        // Each check is a scalar subquery with LIMIT 1, which PostgreSQL runs
        // per number through the (number_id, …) indexes whatever its
        // statistics say. Written as NOT EXISTS, a young table without
        // statistics got a plan that scanned every lease once per number
        // (15 ms a pick after 2,000 leases, until autovacuum analysed it).
        let sql = format!(
            "SELECT n.id, n.e164, n.source FROM numbers n \
             WHERE {free}{this_number}{skip_silent} AND {not_kept} \
             ORDER BY CASE n.source WHEN 'pool' THEN 0 ELSE 1 END, {tried}, {silent_last}\
                      COALESCE((SELECT MAX(l.created_at) FROM leases l WHERE l.number_id = n.id), 0), n.id \
             LIMIT 1{lock}"
        );
        let mut query = sqlx::query_as::<_, (i64, String, String)>(&sql)
            .bind(rules.platform_id)
            .bind(cutoff)
            .bind(silent_before(rules.now))
            .bind(user_id)
            .bind(rules.now - TRIED_LATELY_MS);
        if let Some(number) = again {
            query = query.bind(number.as_str());
        }
        let row = query.fetch_optional(&mut *conn).await?;
        Ok(row.map(|(number_id, e164, source)| PickedNumber { number_id, e164, demo: source == "demo" }))
    }

    /// A column, on `leases l JOIN numbers n JOIN platforms p`, that is 1
    /// when the lease's customer may rent its number again now (see
    /// `Wanted::Again`): the lease ended, its platform is still offered,
    /// and the number is free and not kept from the platform by someone
    /// else's code. Its parameters' values: `again_params`.
    pub fn rentable_again(&self, silent_param: &str, cutoff_param: &str) -> String {
        format!(
            // BIGINT: PostgreSQL's plain 1 is an int4, read as i64 here.
            "CAST(CASE WHEN l.state NOT IN ('active', 'code_received') AND p.enabled = 1 AND {} AND {} THEN 1 ELSE 0 END AS BIGINT)",
            self.free_where(Scope::All, silent_param),
            not_kept("l.platform_id", cutoff_param, Some("l.user_id")),
        )
    }

    /// The condition, on `numbers n`, of a number free for a new lease in
    /// `scope`: enabled, in no open lease, and not on a gateway phone
    /// silent since the time bound to `silent_param`. A phone that stopped
    /// pinging would leave the customer waiting for a code that cannot
    /// come (see numbers::gateway_silent).
    fn free_where(&self, scope: Scope, silent_param: &str) -> String {
        let sources = if scope == Scope::All && self.demo { "('pool', 'demo')" } else { "('pool')" };
        format!(
            "n.enabled = 1 AND n.source IN {sources} \
             AND (SELECT 1 FROM leases o WHERE o.number_id = n.id AND o.state IN ('active', 'code_received') LIMIT 1) IS NULL \
             AND (n.gateway_device IS NULL OR (SELECT 1 FROM gateway_devices g WHERE g.device_id = n.gateway_device \
                  AND g.sends_pings = 1 AND g.last_seen_at < {silent_param}) IS NULL)"
        )
    }

    /// How many numbers of the table a lease could take now, by platform:
    /// what Get Number and the reseller price list offer (upstreams aside).
    pub async fn free_counts(&self, pool: &sqlx::AnyPool, reuse_after_code_ms: Option<i64>, now: i64) -> Result<FreeNumbers, sqlx::Error> {
        let free = self.free_where(Scope::All, "$1");
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM numbers n WHERE {free}")).bind(silent_before(now)).fetch_one(pool).await?;
        // Free numbers that got a code for a platform are not its to take.
        let kept: Vec<(String, i64)> = sqlx::query_as(&format!(
            "SELECT p.slug, COUNT(DISTINCT l.number_id) FROM leases l JOIN numbers n ON n.id = l.number_id JOIN platforms p ON p.id = l.platform_id \
             WHERE l.code_at IS NOT NULL AND l.code_at > $2 AND {free} GROUP BY p.slug"
        ))
        .bind(silent_before(now))
        .bind(reuse_cutoff(reuse_after_code_ms, now))
        .fetch_all(pool)
        .await?;
        Ok(FreeNumbers { total, kept: kept.into_iter().collect() })
    }
}

/// Free numbers, as `NumberSources::free_counts` found them.
#[derive(Debug, Clone, Default)]
pub struct FreeNumbers {
    total: i64,
    /// Platform slug → free numbers kept from it by a code.
    kept: HashMap<String, i64>,
}

impl FreeNumbers {
    /// Never below zero: the two counts are read by separate queries, and
    /// a lease between them could make the difference negative.
    pub fn for_platform(&self, slug: &str) -> i64 {
        (self.total - self.kept.get(slug).copied().unwrap_or(0)).max(0)
    }
}

/// The values `rentable_again`'s parameters take.
pub fn again_params(reuse_after_code_ms: Option<i64>, now: i64) -> (i64, i64) {
    (silent_before(now), reuse_cutoff(reuse_after_code_ms, now))
}

/// The condition, on `numbers n`, that no code for `platform` received
/// after `cutoff` keeps the number from it; with `except_user`, codes on
/// that customer's leases do not count (the rule protects the accounts a
/// customer made with a number from the next customer, not from them).
fn not_kept(platform: &str, cutoff: &str, except_user: Option<&str>) -> String {
    let others = except_user.map(|user| format!(" AND k.user_id <> {user}")).unwrap_or_default();
    // A scalar subquery with LIMIT 1: see `pick`.
    format!(
        "(SELECT 1 FROM leases k WHERE k.number_id = n.id AND k.platform_id = {platform} \
          AND k.code_at IS NOT NULL AND k.code_at > {cutoff}{others} LIMIT 1) IS NULL"
    )
}

/// Codes received after this time keep a number from their platform.
pub fn reuse_cutoff(reuse_after_code_ms: Option<i64>, now: i64) -> i64 {
    reuse_after_code_ms.map(|ms| now - ms).unwrap_or(i64::MIN)
}

/// A pinging gateway phone last heard before this is silent.
fn silent_before(now: i64) -> i64 {
    now - super::numbers::GATEWAY_SILENT_AFTER_MS
}
