//! The rows of `numbers`: the operator's pool and the demo range.
use super::{audit, clock::MINUTE_MS, db::Db, Services};
use crate::{
    domain::{SearchText, UsPhoneNumber},
    error::AppError,
    number_pool::{PoolList, PoolNumber, POOL_SHOWN},
};

/// Puts the fictional demo numbers, (202) 555-0100 to 0199, in the pool.
pub async fn seed_demo_numbers(db: &Db, now: i64) -> Result<(), AppError> {
    for line in 100..200 {
        sqlx::query("INSERT INTO numbers (e164, source, enabled, created_at) VALUES ($1, 'demo', 1, $2) ON CONFLICT (e164) DO NOTHING")
            .bind(format!("+1202555{line:04}"))
            .bind(now)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

/// The phone and SIM slot of an SMS Gateway for Android install that
/// receives a pool number's messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewaySim {
    pub device_id: String,
    pub sim: i64,
}

impl GatewaySim {
    pub fn parse(device_id: &str, sim: i64) -> Result<GatewaySim, String> {
        let device_id = device_id.trim();
        if device_id.is_empty() || device_id.len() > 100 || !device_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err("The device ID is the one the Android app shows (letters, digits, - and _).".into());
        }
        if !(1..=8).contains(&sim) {
            return Err("The SIM slot is 1, 2, … as the Android app numbers them.".into());
        }
        Ok(GatewaySim { device_id: device_id.to_string(), sim })
    }
}

/// An admin adds one of the operator's numbers to the pool; returns its id.
pub async fn add_pool_number(svc: &Services, admin_user_id: i64, number: &UsPhoneNumber, gateway: Option<&GatewaySim>) -> Result<i64, AppError> {
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO numbers (e164, source, enabled, created_at, gateway_device, gateway_sim) VALUES ($1, 'pool', 1, $2, $3, $4) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(number.as_str())
    .bind(now)
    .bind(gateway.map(|g| g.device_id.clone()))
    .bind(gateway.map(|g| g.sim))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = inserted else {
        return Err(AppError::Invalid(format!("{} (or that device's SIM slot) is already in the pool.", number.display())));
    };
    let after = match gateway {
        Some(g) => format!("{} in the pool, Android {} SIM {}", number.as_str(), g.device_id, g.sim),
        None => format!("{} in the pool", number.as_str()),
    };
    audit::record(&mut *tx, now, admin_user_id, "number.add", None, "", &after).await?;
    tx.commit().await?;
    svc.catalogue.stock_changed();
    Ok(id)
}

/// A pool number's state as the audit log words it.
fn state(enabled: bool) -> &'static str {
    if enabled { "enabled" } else { "disabled" }
}

/// An admin takes a number out of circulation or back in; an open lease
/// on it runs to its end.
pub async fn set_enabled(svc: &Services, admin_user_id: i64, number: &UsPhoneNumber, enabled: bool) -> Result<(), AppError> {
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let done = sqlx::query("UPDATE numbers SET enabled = $1 WHERE e164 = $2")
        .bind(i64::from(enabled))
        .bind(number.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(&mut *tx, now, admin_user_id, "number.enable", None, state(!enabled), &format!("{} {}", number.as_str(), state(enabled))).await?;
    tx.commit().await?;
    svc.catalogue.stock_changed();
    Ok(())
}

/// Pool numbers a search matches: its text in the phone's device ID, or,
/// when it is written like a number, its digits anywhere in the number.
const POOL_MATCH: &str = "n.source = 'pool' AND ($1 = '' OR ($2 <> '' AND n.e164 LIKE $3) \
     OR LOWER(COALESCE(n.gateway_device, '')) LIKE $4 ESCAPE '\\')";

/// `POOL_MATCH`'s parameters, $1 to $4, from one search.
fn match_params(search: &SearchText) -> [String; 4] {
    let digits = search.phone_digits().unwrap_or_default();
    let like_digits = format!("%{digits}%");
    [search.as_str().to_owned(), digits, like_digits, search.contains_pattern()]
}

/// Binds `match_params` to a query whose SQL holds `POOL_MATCH`.
macro_rules! bind_match {
    ($query:expr, $params:expr) => {{
        let [p1, p2, p3, p4] = &$params;
        $query.bind(p1).bind(p2).bind(p3).bind(p4)
    }};
}

/// An admin takes every pool number a search finds out of circulation, or
/// back in, provided the search still finds the `expected` count the admin
/// was shown; returns how many changed. Numbers already so are left out
/// of the count and of the audit record, which thus names what to undo.
pub async fn set_found_enabled(svc: &Services, admin_user_id: i64, search: &SearchText, expected: i64, enabled: bool) -> Result<usize, AppError> {
    if search.as_str().is_empty() {
        return Err(AppError::Invalid("Find the numbers first: this acts on those a search finds.".into()));
    }
    let now = svc.now();
    let binds = match_params(search);
    let mut tx = svc.db.begin_write().await?;
    let found: i64 = bind_match!(sqlx::query_scalar(&format!("SELECT COUNT(*) FROM numbers n WHERE {POOL_MATCH}")), binds)
        .fetch_one(&mut *tx)
        .await?;
    if found != expected {
        return Err(AppError::Invalid(format!("The search now finds {found} numbers, not {expected}: nothing was changed. Look at the list again.")));
    }
    // SQLite reads RETURNING without the table alias.
    let update = format!("UPDATE numbers AS n SET enabled = $5 WHERE {POOL_MATCH} AND n.enabled <> $5 RETURNING e164");
    let mut changed: Vec<String> = bind_match!(sqlx::query_scalar(&update), binds)
        .bind(i64::from(enabled))
        .fetch_all(&mut *tx)
        .await?;
    if changed.is_empty() {
        return Ok(0);
    }
    changed.sort();
    let after = format!("{} {} (found by \"{}\"): {}", changed.len(), state(enabled), search.as_str(), changed.join(" "));
    audit::record(&mut *tx, now, admin_user_id, "number.enable_found", None, "", &after).await?;
    tx.commit().await?;
    svc.catalogue.stock_changed();
    Ok(changed.len())
}

/// The pool (without the demo range), in order, with each number's open
/// lease: `POOL_SHOWN` of those `search` matches, from the `from`th.
pub async fn pool(svc: &Services, search: &SearchText, from: i64) -> Result<PoolList, AppError> {
    type Row = (i64, String, i64, Option<String>, Option<i64>, Option<i64>, Option<String>, Option<String>, Option<i64>, Option<i64>);
    let binds = match_params(search);
    let list = format!(
        "SELECT n.id, n.e164, n.enabled, n.gateway_device, n.gateway_sim, l.id, p.name, l.state, g.last_seen_at, g.sends_pings FROM numbers n \
         LEFT JOIN leases l ON l.number_id = n.id AND l.state IN ('active', 'code_received') \
         LEFT JOIN platforms p ON p.id = l.platform_id \
         LEFT JOIN gateway_devices g ON g.device_id = n.gateway_device WHERE {POOL_MATCH} ORDER BY n.e164 LIMIT {POOL_SHOWN} OFFSET $5"
    );
    let rows: Vec<Row> = bind_match!(sqlx::query_as(&list), binds).bind(from).fetch_all(&svc.db.pool).await?;
    let count = format!("SELECT COALESCE(SUM(CASE WHEN {POOL_MATCH} THEN 1 ELSE 0 END), 0), COUNT(*) FROM numbers n WHERE n.source = 'pool'");
    let (matching, total): (i64, i64) = bind_match!(sqlx::query_as(&count), binds).fetch_one(&svc.db.pool).await?;
    // Cooldowns: platforms a number got a code for are not leased on it
    // again until the reuse period ends (or ever, without one).
    let now = svc.now();
    let since = super::providers::reuse_cutoff(svc.leases.reuse_after_code_ms, now);
    // Of the page's numbers only: those matched, from its first to its last
    // (the list is in the order of the numbers, which are unique).
    let (first, last) = match (rows.first(), rows.last()) {
        (Some(first), Some(last)) => (first.1.clone(), last.1.clone()),
        _ => (String::new(), String::new()),
    };
    let cooldowns = format!(
        "SELECT l.number_id, p.name, MAX(l.code_at) FROM leases l JOIN platforms p ON p.id = l.platform_id JOIN numbers n ON n.id = l.number_id \
         WHERE {POOL_MATCH} AND n.e164 BETWEEN $5 AND $6 AND l.code_at IS NOT NULL AND l.code_at > $7 GROUP BY l.number_id, p.name ORDER BY p.name"
    );
    let codes: Vec<(i64, String, i64)> =
        bind_match!(sqlx::query_as(&cooldowns), binds).bind(first).bind(last).bind(since).fetch_all(&svc.db.pool).await?;
    let until = |code_at: i64| svc.leases.reuse_after_code_ms.map(|ms| code_at + ms);
    let numbers = rows
        .into_iter()
        .map(|(id, e164, enabled, device, sim, lease_id, platform, state, heard_at, pings)| PoolNumber {
            display: UsPhoneNumber::display_stored(&e164),
            number: e164,
            enabled: enabled != 0,
            gateway_silent: heard_at.is_some_and(|at| gateway_silent(pings == Some(1), at, now)),
            gateway_heard_at: heard_at,
            gateway: device.zip(sim).map(|(d, s)| format!("Android {d} SIM {s}")),
            open_lease: lease_id.zip(platform).map(|(id, p)| format!("#{id} {p} ({})", state.unwrap_or_default())),
            cooldowns: codes.iter().filter(|c| c.0 == id).map(|(_, name, at)| (name.clone(), until(*at))).collect(),
        })
        .collect();
    Ok(PoolList { numbers, from, matching, total, search: search.as_str().to_owned() })
}

/// How long a phone of the pool that pings may stay silent before it is
/// flagged on the Supply page and its numbers get no new leases: the
/// Android app pings every 15 minutes by default when its `system:ping`
/// webhook is on, so two missed pings and some slack.
pub const GATEWAY_SILENT_AFTER_MS: i64 = 40 * MINUTE_MS;

/// The event an Android phone sends to say it is alive.
const PING: &str = "system:ping";

/// Notes a signed event from an Android phone of the pool (`event` is its
/// kind: "sms:received", "system:ping"…). Phones no pool number names are
/// not recorded.
pub async fn gateway_heard(svc: &Services, device_id: &str, event: &str) -> Result<(), AppError> {
    let pings = i64::from(event == PING);
    let event: String = event.chars().take(40).collect();
    sqlx::query(
        "INSERT INTO gateway_devices (device_id, last_event, last_seen_at, sends_pings) \
         SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM numbers WHERE gateway_device = $1) \
         ON CONFLICT (device_id) DO UPDATE SET last_event = excluded.last_event, last_seen_at = excluded.last_seen_at, \
           sends_pings = CASE WHEN excluded.sends_pings = 1 THEN 1 ELSE gateway_devices.sends_pings END \
         WHERE gateway_devices.last_seen_at <= excluded.last_seen_at",
    )
    .bind(device_id)
    .bind(event)
    .bind(svc.now())
    .bind(pings)
    .execute(&svc.db.pool)
    .await?;
    Ok(())
}

/// Whether a phone last heard from at `heard_at` counts as silent at `now`.
pub fn gateway_silent(sends_pings: bool, heard_at: i64, now: i64) -> bool {
    sends_pings && heard_at < now - GATEWAY_SILENT_AFTER_MS
}

/// The number whose SMS arrive on this Android device's SIM slot.
pub async fn by_gateway_sim(db: &Db, device_id: &str, sim: i64) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar("SELECT id FROM numbers WHERE gateway_device = $1 AND gateway_sim = $2")
        .bind(device_id)
        .bind(sim)
        .fetch_optional(&db.pool)
        .await?)
}
