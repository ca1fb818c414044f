//! Number supply for admins: the operator's pool, the upstream suppliers,
//! and the SMS no lease took.
//! Every server function here checks the admin role on the server.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolNumber {
    pub number: String,
    pub display: String,
    pub enabled: bool,
    /// "Android <device> SIM <n>" when an Android gateway receives its SMS.
    pub gateway: Option<String>,
    /// When its phone was last heard from (None: never, or no phone).
    pub gateway_heard_at: Option<i64>,
    /// Its phone pings, but not lately: its numbers get no new leases
    /// until it is heard from again.
    pub gateway_silent: bool,
    pub open_lease: Option<String>,
    /// Platforms it got a code for, each with the time it may serve that
    /// platform again (None: never).
    pub cooldowns: Vec<(String, Option<i64>)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnmatchedSms {
    pub id: i64,
    pub recipient: String,
    pub sender: String,
    pub body: String,
    pub code: Option<String>,
    pub source: String,
    pub at: i64,
}

/// An upstream supplier as admins see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpstreamView {
    pub name: String,
    pub balance: Option<crate::domain::Money>,
    pub low_balance: bool,
    pub calls: u64,
    pub error_rate_percent: u32,
    /// "closed" (healthy), "open" (paused after failures) or "half-open".
    pub breaker: String,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub open_purchases: i64,
    /// Purchases of the last week that ended without a readable answer (a
    /// timeout, a broken connection, our server stopping meanwhile): the
    /// supplier may have sold a number we never recorded, which the
    /// operator must cancel on the supplier's side, then mark as checked.
    pub interrupted_purchases: Vec<InterruptedPurchase>,
    /// Lease prices minus upstream costs, over leases that got a code.
    pub margin: crate::domain::Money,
}

/// A purchase from an upstream whose outcome nobody knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterruptedPurchase {
    pub id: i64,
    pub started_at: i64,
}

/// A platform customers were turned away from in the last week: no
/// source had a number when they confirmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shortage {
    pub platform: String,
    /// Customers turned away in the last 24 hours.
    pub last_day: i64,
    /// … and in the last 7 days.
    pub last_week: i64,
    pub last_at: i64,
    /// What the sources answered the last time.
    pub reason: String,
}

/// What a platform on offer has now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlatformStock {
    pub platform: String,
    /// Numbers of ours a lease for it could take.
    pub ours: i64,
    /// What the upstreams that offer it last counted; None when none did.
    pub upstream: Option<i64>,
    /// Customers may choose it on Get Number.
    pub available: bool,
}

/// The operator looked at the supplier's account for this purchase (and
/// cancelled what was there): the warning goes.
#[server(endpoint = "admin/purchase_checked", protocol = crate::wire::Wire)]
pub async fn admin_purchase_checked(attempt_id: i64) -> Result<(), AppError> {
    use crate::services::{request::require_admin, services, upstream::in_flight};
    let admin = require_admin()?;
    in_flight::checked(&*services()?, admin.user_id, attempt_id).await
}

#[server(endpoint = "admin/upstreams", protocol = crate::wire::Wire)]
pub async fn admin_upstreams() -> Result<Vec<UpstreamView>, AppError> {
    use crate::services::{request::require_admin, services, upstream};
    require_admin()?;
    upstream::views(&*services()?).await
}

/// How many things on the Supply page wait for an operator: the admin
/// menu's badge.
#[server(endpoint = "admin/supply_attention", protocol = crate::wire::Wire)]
pub async fn admin_supply_attention() -> Result<i64, AppError> {
    use crate::services::{request::require_admin, services, supply_attention};
    require_admin()?;
    Ok(supply_attention::now(&*services()?).await?.total())
}

#[server(endpoint = "admin/shortages", protocol = crate::wire::Wire)]
pub async fn admin_shortages() -> Result<Vec<Shortage>, AppError> {
    use crate::services::{request::require_admin, services, shortages};
    require_admin()?;
    shortages::recent(&*services()?).await
}

#[server(endpoint = "admin/stock", protocol = crate::wire::Wire)]
pub async fn admin_stock() -> Result<Vec<PlatformStock>, AppError> {
    use crate::services::{request::require_admin, services, stock};
    require_admin()?;
    stock::by_platform(&*services()?).await
}

/// Leases without a code, and none with one, that make a number suspect
/// (one cancelled as refused by the platform is enough).
pub const SILENT_AFTER_LEASES: i64 = 3;
/// How far back those leases count.
pub const SILENT_WITHIN_DAYS: i64 = 7;

/// A pool number whose leases for a platform lately all ended without a
/// code (`services::silent_numbers`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SilentNumber {
    /// E.164.
    pub number: String,
    pub display: String,
    pub platform: String,
    /// Its leases for the platform in the period, none with a code.
    pub leases: i64,
    /// Those the customer cancelled as refused by the platform.
    pub refused: i64,
    pub last_at: i64,
}

#[server(endpoint = "admin/silent_numbers", protocol = crate::wire::Wire)]
pub async fn admin_silent_numbers() -> Result<Vec<SilentNumber>, AppError> {
    use crate::services::{request::require_admin, services, silent_numbers};
    require_admin()?;
    silent_numbers::recent(&*services()?).await
}

/// The Supply page lists this many numbers of the pool a page; a search
/// (digits of the number, or the phone's device ID) finds others.
pub const POOL_SHOWN: i64 = 200;

/// Numbers of the pool, in order, with how many there are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolList {
    /// `POOL_SHOWN` of those matching, from the `from`th (0: the first).
    pub numbers: Vec<PoolNumber>,
    pub from: i64,
    pub matching: i64,
    pub total: i64,
    /// The search as the server read it (trimmed, lower case).
    pub search: String,
}

impl PoolList {
    /// Where the next page starts, when there is one.
    pub fn next_from(&self) -> Option<i64> {
        let end = self.from + self.numbers.len() as i64;
        (end < self.matching).then_some(end)
    }
}

/// The pool's numbers that `search` matches, a page from the `from`th.
#[server(endpoint = "admin/numbers", protocol = crate::wire::Wire)]
pub async fn admin_numbers(search: Option<String>, from: Option<i64>) -> Result<PoolList, AppError> {
    use crate::services::{numbers, request::require_admin, services};
    require_admin()?;
    let search = crate::domain::SearchText::parse(search.as_deref().unwrap_or("")).map_err(AppError::Invalid)?;
    let from = from.unwrap_or(0);
    if from < 0 {
        return Err(AppError::Invalid("A page starts at 0 or after.".into()));
    }
    numbers::pool(&*services()?, &search, from).await
}

/// Adds a number; `device_id` and `sim` name the SMS Gateway for Android
/// phone and slot that receive its messages (both or neither).
#[server(endpoint = "admin/add_number", protocol = crate::wire::Wire)]
pub async fn admin_add_number(number: String, device_id: Option<String>, sim: Option<String>) -> Result<(), AppError> {
    use crate::domain::UsPhoneNumber;
    use crate::services::{numbers::{self, GatewaySim}, request::require_admin, services};
    let admin = require_admin()?;
    let number = UsPhoneNumber::parse(&number).map_err(AppError::Invalid)?;
    let device_id = device_id.unwrap_or_default();
    let gateway = if device_id.trim().is_empty() {
        None
    } else {
        let sim = sim.unwrap_or_default().trim().parse::<i64>().map_err(|_| AppError::Invalid("The SIM slot is a number: 1, 2…".into()))?;
        Some(GatewaySim::parse(&device_id, sim).map_err(AppError::Invalid)?)
    };
    numbers::add_pool_number(&*services()?, admin.user_id, &number, gateway.as_ref()).await.map(|_| ())
}

#[server(endpoint = "admin/set_number_enabled", protocol = crate::wire::Wire)]
pub async fn admin_set_number_enabled(number: String, enabled: bool) -> Result<(), AppError> {
    use crate::domain::UsPhoneNumber;
    use crate::services::{numbers, request::require_admin, services};
    let admin = require_admin()?;
    let number = UsPhoneNumber::parse(&number).map_err(AppError::Invalid)?;
    numbers::set_enabled(&*services()?, admin.user_id, &number, enabled).await
}

/// Disables (or enables) every pool number `search` finds, if it still
/// finds `expected` of them; answers how many changed.
#[server(endpoint = "admin/set_found_enabled", protocol = crate::wire::Wire)]
pub async fn admin_set_found_enabled(search: String, expected: i64, enabled: bool) -> Result<usize, AppError> {
    use crate::services::{numbers, request::require_admin, services};
    let admin = require_admin()?;
    let search = crate::domain::SearchText::parse(&search).map_err(AppError::Invalid)?;
    numbers::set_found_enabled(&*services()?, admin.user_id, &search, expected, enabled).await
}

#[server(endpoint = "admin/unmatched_sms", protocol = crate::wire::Wire)]
pub async fn admin_unmatched_sms() -> Result<Vec<UnmatchedSms>, AppError> {
    use crate::services::{inbound_sms, request::require_admin, services};
    require_admin()?;
    inbound_sms::unmatched(&*services()?).await
}

/// Gives an unmatched SMS to an open lease.
#[server(endpoint = "admin/assign_sms", protocol = crate::wire::Wire)]
pub async fn admin_assign_sms(sms_id: i64, lease_id: String) -> Result<(), AppError> {
    use crate::services::{leases, request::require_admin, services};
    let admin = require_admin()?;
    // Typed by the admin, as the lease list shows it ("42" or "#42").
    let lease_id = lease_id.trim().trim_start_matches('#').parse::<i64>().map_err(|_| AppError::Invalid("Enter the lease's number, as in 42.".into()))?;
    leases::assign_unmatched(&*services()?, admin.user_id, sms_id, lease_id).await
}

#[server(endpoint = "admin/dismiss_sms", protocol = crate::wire::Wire)]
pub async fn admin_dismiss_sms(sms_id: i64) -> Result<(), AppError> {
    use crate::services::{inbound_sms, request::require_admin, services};
    let admin = require_admin()?;
    inbound_sms::dismiss(&*services()?, admin.user_id, sms_id).await
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub added: i64,
    /// (line number, what is wrong with it)
    pub errors: Vec<(i64, String)>,
}

/// Most lines one import call takes; the page sends a file in batches of
/// this size and shows its progress between them.
pub const IMPORT_BATCH: usize = 100;

/// Adds numbers from CSV lines `number[,device_id,sim]` (a header line and
/// blank lines are skipped). `first_line` numbers the lines for the report.
#[server(endpoint = "admin/import_numbers", protocol = crate::wire::Wire)]
pub async fn admin_import_numbers(first_line: i64, lines: String) -> Result<ImportReport, AppError> {
    use crate::domain::UsPhoneNumber;
    use crate::services::{numbers::{self, GatewaySim}, request::require_admin, services};
    let admin = require_admin()?;
    let svc = services()?;
    let lines: Vec<&str> = lines.lines().collect();
    if lines.len() > IMPORT_BATCH {
        return Err(AppError::Invalid(format!("Send at most {IMPORT_BATCH} lines at a time.")));
    }
    let mut report = ImportReport::default();
    for (i, line) in lines.iter().enumerate() {
        let line_no = first_line + i as i64;
        let fields: Vec<&str> = line.split(',').map(|f| f.trim().trim_matches('"')).collect();
        if fields.iter().all(|f| f.is_empty()) || fields[0].eq_ignore_ascii_case("number") {
            continue;
        }
        let outcome = async {
            let number = UsPhoneNumber::parse(fields[0]).map_err(AppError::Invalid)?;
            let gateway = match (fields.get(1).copied().unwrap_or(""), fields.get(2).copied().unwrap_or("")) {
                ("", _) => None,
                (device, sim) => {
                    let sim = sim.parse::<i64>().map_err(|_| AppError::Invalid("The SIM slot is a number: 1, 2…".into()))?;
                    Some(GatewaySim::parse(device, sim).map_err(AppError::Invalid)?)
                }
            };
            numbers::add_pool_number(&svc, admin.user_id, &number, gateway.as_ref()).await
        };
        match outcome.await {
            Ok(_) => report.added += 1,
            Err(e) => report.errors.push((line_no, e.to_string())),
        }
    }
    Ok(report)
}
