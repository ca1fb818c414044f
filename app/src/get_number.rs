//! Get Number as pages see it: platforms with prices, leases, and the
//! server functions to confirm, cancel, switch and complete.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    domain::{BrandColor, Discount, LeaseState, Money},
    error::AppError,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlatformView {
    pub slug: String,
    pub name: String,
    pub price: Money,
    pub lease_minutes: i64,
    /// None for a colour the database holds but cannot be shown.
    pub color: Option<BrandColor>,
    /// How its recent leases fared; None until enough ran their course.
    pub code_rate: Option<CodeRate>,
    /// A number can be had now, as far as we know: a free one of ours, or
    /// an upstream that offers the platform and did not say it has none.
    pub available: bool,
}

/// Of a platform's leases of the last week that ran their course (a code
/// came, or the window passed without one), the share that got a code:
/// shown before confirming, so customers know the odds. Leases cancelled
/// or switched without a code are left out: the customer ended those.
/// With it, how soon the codes came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeRate {
    pub percent: u8,
    pub leases: i64,
    /// Seconds from confirming to the code, the median of those that got one.
    pub median_secs: Option<i64>,
}

impl CodeRate {
    /// Fewer leases than this say little: nothing is shown.
    pub const MIN_LEASES: i64 = 20;

    pub fn from_counts(with_code: i64, without_code: i64) -> Option<CodeRate> {
        let leases = with_code + without_code;
        (leases >= Self::MIN_LEASES && with_code >= 0).then(|| CodeRate { percent: (with_code * 100 / leases) as u8, leases, median_secs: None })
    }

    pub fn with_median(self, median_secs: Option<i64>) -> CodeRate {
        CodeRate { median_secs, ..self }
    }
}

impl std::fmt::Display for CodeRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} % of the last week's {} leases got a code", self.percent, self.leases)?;
        match self.median_secs {
            Some(secs) => write!(f, "; half of the codes came within {}", crate::error::wait_text(secs.max(0) as u64)),
            None => Ok(()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmsView {
    pub sender: String,
    pub body: String,
    pub code: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaseView {
    pub id: i64,
    pub platform: String,
    pub platform_slug: String,
    pub number: String,
    pub number_display: String,
    pub price: Money,
    pub state: LeaseState,
    pub created_at: i64,
    pub expires_at: i64,
    pub code: Option<String>,
    pub messages: Vec<SmsView>,
    pub demo: bool,
    /// The customer may rent this number again now ("Rent again"): the
    /// lease ended, the number is ours (not an upstream's) and free, and no
    /// one else's code keeps it from the platform. Read for lists of the
    /// customer's leases; false elsewhere.
    pub rent_again: bool,
    /// Cancelled by the customer as refused by the platform.
    pub refused: bool,
    /// The customer's own name for it (`LeaseLabel`).
    pub label: Option<String>,
}

impl LeaseView {
    /// "Telegram +1 (202) 555-0123", with the customer's label after it.
    pub fn described(&self) -> String {
        match &self.label {
            Some(label) => format!("{} {} ({label})", self.platform, self.number_display),
            None => format!("{} {}", self.platform, self.number_display),
        }
    }

    /// How the lease ended, as the customer's history shows it: the code
    /// when one came, and whether the fee came back.
    pub fn outcome(&self) -> String {
        match (self.state, &self.code) {
            (LeaseState::Switched, None) => "Switched, refunded".into(),
            (LeaseState::Cancelled, _) if self.refused => "Refused by the platform, refunded".into(),
            (LeaseState::Completed | LeaseState::CodeReceived | LeaseState::Switched, Some(code)) => format!("{} ({code})", self.state.label()),
            (state, _) => state.label().into(),
        }
    }
}

/// How many platforms the chooser offers above the full list.
pub const RECENTLY_USED: usize = 3;

/// The platforms of the customer's latest leases, newest first, each once,
/// at today's price; platforms no longer on offer are left out.
pub fn recently_used(platforms: &[PlatformView], leases: &[LeaseView]) -> Vec<PlatformView> {
    let mut used: Vec<PlatformView> = Vec::new();
    for lease in leases {
        if used.len() == RECENTLY_USED {
            break;
        }
        if used.iter().any(|p| p.slug == lease.platform_slug) {
            continue;
        }
        if let Some(p) = platforms.iter().find(|p| p.slug == lease.platform_slug) {
            used.push(p.clone());
        }
    }
    used
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeasesOverview {
    pub open: Option<LeaseView>,
    pub recent: Vec<LeaseView>,
    pub balance: Money,
    pub public_id: String,
    pub email_verified: bool,
    /// Off the list prices; the platforms' prices include it.
    pub discount: Discount,
    /// The platforms on offer, at today's prices for this customer.
    pub platforms: Vec<PlatformView>,
    /// Platforms (slugs) the customer asked to be mailed about once they
    /// have numbers again.
    pub awaited: Vec<String>,
    /// Server time, so the countdown does not trust the device clock.
    pub now: i64,
    /// Where this data stands among the account's changes: the page's
    /// event stream starts with a catch-up if anything changed since.
    pub events_cursor: i64,
}

/// The platforms on offer at today's prices; public, so that a visitor
/// sees the prices before signing up.
#[server(endpoint = "platforms", protocol = crate::wire::Wire)]
pub async fn list_platforms() -> Result<Vec<PlatformView>, AppError> {
    use crate::services::{platforms, services};
    Ok(platforms::list_enabled(&*services()?).await?.to_vec())
}

#[server(endpoint = "my_leases", protocol = crate::wire::Wire)]
pub async fn my_leases() -> Result<LeasesOverview, AppError> {
    use crate::services::{leases, platforms, request::require_user, services, stock_alerts};
    let user = require_user()?;
    let svc = services()?;
    // Before the reads: a change after it may be missing from them.
    let events_cursor = svc.events.cursor();
    let leases::UserLeases { open, recent, balance, discount } = leases::for_user(&svc, user.user_id).await?;
    let platforms = platforms::list_at(&svc, discount).await?;
    Ok(LeasesOverview {
        open,
        recent,
        balance,
        discount,
        public_id: user.viewer.public_id,
        email_verified: user.viewer.email_verified,
        // Asked only when something is missing: most pages need no query.
        awaited: if platforms.iter().all(|p| p.available) { Vec::new() } else { stock_alerts::waiting_for(&svc, user.user_id).await? },
        platforms,
        now: svc.now(),
        events_cursor,
    })
}

/// One page of the customer's leases, every message in full.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaseHistory {
    pub leases: Vec<LeaseView>,
    /// Pass as `before` for the next page; None on the last page.
    pub next_before: Option<i64>,
    /// The platforms the customer has leased for, to choose from: (slug, name).
    pub platforms: Vec<(String, String)>,
    /// Where this stands among the account's changes (see `LeasesOverview`).
    pub events_cursor: i64,
}

/// Leases on one page of "Your numbers".
pub const LEASE_HISTORY_PAGE: usize = 20;

/// The customer's leases, newest first, before the lease `before`, of
/// one platform (a slug) and found by `search` (`LeaseSearch`: a number as
/// people write it, or a part of a label); empty or none for all.
#[server(endpoint = "my_numbers", protocol = crate::wire::Wire)]
pub async fn my_numbers(platform: Option<String>, search: Option<String>, before: Option<i64>) -> Result<LeaseHistory, AppError> {
    use crate::domain::LeaseSearch;
    use crate::services::{leases::{self, LeaseFilter}, paging::NewestFirst, request::{given, require_user}, services};
    let user = require_user()?;
    let search = LeaseSearch::parse(search.as_deref().unwrap_or_default()).map_err(AppError::Invalid)?;
    let svc = services()?;
    let events_cursor = svc.events.cursor();
    let mut filter = LeaseFilter { platform: given(&platform), ..LeaseFilter::default() };
    match &search {
        LeaseSearch::Everything => {}
        LeaseSearch::Number(number) => filter.number = Some(number),
        LeaseSearch::Label(text) => filter.label = Some(text),
    }
    let page = NewestFirst { size: LEASE_HISTORY_PAGE };
    let rows = leases::history(&svc, user.user_id, filter, before, page.limit()).await?;
    let (leases, next_before) = page.page(rows, |l| l.id);
    Ok(LeaseHistory { leases, next_before, platforms: leases::platforms_used(&svc, user.user_id).await?, events_cursor })
}

/// Names one of the customer's leases; an empty label removes the name.
#[server(endpoint = "label_lease", protocol = crate::wire::Wire)]
pub async fn label_lease(lease_id: i64, label: String) -> Result<(), AppError> {
    use crate::domain::LeaseLabel;
    use crate::services::{lease_labels, request::require_user, services};
    let user = require_user()?;
    let label = LeaseLabel::optional(&label).map_err(AppError::Invalid)?;
    let svc = services()?;
    lease_labels::set(&svc, user.user_id, lease_id, label.as_ref()).await
}

/// Asks to be mailed once the platform, which has no number to be had
/// now, has numbers again (`wanted`), or takes the wish back.
#[server(endpoint = "notify_when_available", protocol = crate::wire::Wire)]
pub async fn notify_when_available(platform: String, wanted: bool) -> Result<(), AppError> {
    use crate::services::{request::require_user, services, stock_alerts};
    let user = require_user()?;
    let svc = services()?;
    if wanted {
        stock_alerts::ask(&svc, user.user_id, user.viewer.email_verified, &platform).await
    } else {
        stock_alerts::withdraw(&svc, user.user_id, &platform).await
    }
}

/// Rents a number for the platform at the price the customer saw: any
/// number, or `number`, one the customer leased before.
#[server(endpoint = "confirm_lease", protocol = crate::wire::Wire)]
pub async fn confirm_lease(platform: String, price_cents: i64, idempotency_key: String, number: Option<String>) -> Result<LeaseView, AppError> {
    use crate::domain::UsPhoneNumber;
    use crate::services::{leases, request::require_user, services};
    let user = require_user()?;
    let number = number.filter(|n| !n.trim().is_empty()).map(|n| UsPhoneNumber::parse(&n)).transpose().map_err(AppError::Invalid)?;
    let request = leases::ConfirmRequest {
        user_id: user.user_id,
        email_verified: user.viewer.email_verified,
        slug: &platform,
        confirmed_price: Money::from_cents(price_cents),
        idempotency_key: &idempotency_key,
        api_key_id: None,
        number: number.as_ref(),
    };
    Ok(leases::confirm(&*services()?, request).await?)
}

/// Cancel, switch or complete ("done") one of the customer's leases;
/// "refused" cancels and says the platform turned the number away.
#[server(endpoint = "lease_action", protocol = crate::wire::Wire)]
pub async fn lease_action(lease_id: i64, action: String) -> Result<LeaseView, AppError> {
    use crate::domain::LeaseEvent;
    use crate::services::{leases, request::require_user, services};
    let user = require_user()?;
    let event = match action.as_str() {
        "cancel" => LeaseEvent::Cancel,
        "refused" => LeaseEvent::Refused,
        "switch" => LeaseEvent::Switch,
        "complete" => LeaseEvent::Complete,
        _ => return Err(AppError::Invalid("Unknown action.".into())),
    };
    Ok(leases::apply(&*services()?, lease_id, Some(user.user_id), event).await?)
}

/// Every platform, enabled or not, for the admin catalogue.
#[server(endpoint = "admin/platforms", protocol = crate::wire::Wire)]
pub async fn admin_platforms() -> Result<Vec<AdminPlatform>, AppError> {
    use crate::services::{platforms, request::require_admin, services};
    require_admin()?;
    platforms::list_all(&services()?.db).await
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminPlatform {
    pub slug: String,
    pub name: String,
    pub price: Money,
    pub lease_minutes: i64,
    pub color: Option<BrandColor>,
    pub enabled: bool,
}

/// Changes a platform's name, price, lease window, colour or availability.
#[server(endpoint = "admin/update_platform", protocol = crate::wire::Wire)]
pub async fn admin_update_platform(
    slug: String,
    name: String,
    price: String,
    lease_minutes: String,
    color: String,
    enabled: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::PlatformTerms;
    use crate::services::{platforms, request::require_admin, services};
    let admin = require_admin()?;
    let terms = PlatformTerms::parse(&name, &price, &lease_minutes, &color).map_err(AppError::Invalid)?;
    platforms::update(&*services()?, admin.user_id, &slug, &terms, enabled.is_some()).await
}

/// Moves a platform one place "up" or "down" in the catalogue.
#[server(endpoint = "admin/move_platform", protocol = crate::wire::Wire)]
pub async fn admin_move_platform(slug: String, direction: String) -> Result<(), AppError> {
    use crate::services::{platforms, request::require_admin, services};
    let admin = require_admin()?;
    let up = match direction.as_str() {
        "up" => true,
        "down" => false,
        _ => return Err(AppError::Invalid("Move a platform up or down.".into())),
    };
    platforms::move_platform(&*services()?, admin.user_id, &slug, up).await
}

/// Adds a platform to the catalogue, enabled, named in the API by a slug
/// made from its name.
#[server(endpoint = "admin/add_platform", protocol = crate::wire::Wire)]
pub async fn admin_add_platform(name: String, price: String, lease_minutes: String, color: String) -> Result<String, AppError> {
    use crate::domain::PlatformTerms;
    use crate::services::{platforms, request::require_admin, services};
    let admin = require_admin()?;
    let terms = PlatformTerms::parse(&name, &price, &lease_minutes, &color).map_err(AppError::Invalid)?;
    Ok(platforms::add(&*services()?, admin.user_id, &terms).await?.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_rate_needs_enough_leases_and_never_rounds_up() {
        assert_eq!(CodeRate::from_counts(19, 0), None);
        assert_eq!(CodeRate::from_counts(15, 5), Some(CodeRate { percent: 75, leases: 20, median_secs: None }));
        assert_eq!(
            CodeRate::from_counts(15, 5).map(|r| r.with_median(Some(100)).to_string()).as_deref(),
            Some("75 % of the last week's 20 leases got a code; half of the codes came within 2 minutes")
        );
        assert_eq!(CodeRate::from_counts(999, 1).map(|r| r.percent), Some(99));
        assert_eq!(CodeRate::from_counts(0, 20).map(|r| r.to_string()).as_deref(), Some("0 % of the last week's 20 leases got a code"));
    }

    fn lease(state: LeaseState, code: Option<&str>) -> LeaseView {
        LeaseView {
            id: 1,
            platform: "Telegram".into(),
            platform_slug: "telegram".into(),
            number: "+12025550123".into(),
            number_display: "+1 (202) 555-0123".into(),
            price: Money::from_cents(120),
            state,
            created_at: 0,
            expires_at: 0,
            code: code.map(str::to_string),
            messages: vec![],
            demo: false,
            rent_again: false,
            refused: false,
            label: None,
        }
    }

    fn platform(slug: &str, cents: i64) -> PlatformView {
        PlatformView { slug: slug.into(), name: slug.to_uppercase(), price: Money::from_cents(cents), lease_minutes: 20, color: None, code_rate: None, available: true }
    }

    #[test]
    fn recently_used_platforms_are_the_latest_distinct_ones_still_on_offer() {
        let offer = [platform("telegram", 150), platform("google", 90), platform("whatsapp", 120), platform("other", 50)];
        let leased = |slugs: &[&str]| -> Vec<LeaseView> {
            slugs.iter().map(|s| LeaseView { platform_slug: s.to_string(), ..lease(LeaseState::Completed, None) }).collect()
        };
        let slugs = |used: Vec<PlatformView>| used.into_iter().map(|p| p.slug).collect::<Vec<_>>();
        assert!(recently_used(&offer, &[]).is_empty());
        // Newest first, each once, a withdrawn platform skipped, three at most.
        assert_eq!(slugs(recently_used(&offer, &leased(&["google", "yahoo", "google", "telegram", "other", "whatsapp"]))), ["google", "telegram", "other"]);
        // Today's price, not the one paid then.
        assert_eq!(recently_used(&offer, &leased(&["telegram"]))[0].price, Money::from_cents(150));
    }

    #[test]
    fn outcome_says_the_code_and_whether_the_fee_came_back() {
        assert_eq!(lease(LeaseState::Completed, Some("123456")).outcome(), "Completed (123456)");
        assert_eq!(lease(LeaseState::Switched, None).outcome(), "Switched, refunded");
        assert_eq!(lease(LeaseState::Switched, Some("654321")).outcome(), "Switched (654321)");
        assert_eq!(lease(LeaseState::Cancelled, None).outcome(), "Cancelled, refunded");
        assert_eq!(LeaseView { refused: true, ..lease(LeaseState::Cancelled, None) }.outcome(), "Refused by the platform, refunded");
        assert_eq!(lease(LeaseState::Expired, None).outcome(), "Expired, refunded");
    }

    #[test]
    fn a_lease_is_described_with_its_label() {
        assert_eq!(lease(LeaseState::Completed, None).described(), "Telegram +1 (202) 555-0123");
        let labelled = LeaseView { label: Some("work".into()), ..lease(LeaseState::Completed, None) };
        assert_eq!(labelled.described(), "Telegram +1 (202) 555-0123 (work)");
    }
}
