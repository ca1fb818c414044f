//! The platform catalogue: names, prices, lease windows, brand colours.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use super::{clock::DAY_MS, db::Db, providers::FreeNumbers};
use crate::{
    domain::{is_catch_all, BrandColor, Discount, Money, PlatformSlug, PlatformTerms, CATCH_ALL_SLUG},
    error::AppError,
    get_number::{AdminPlatform, CodeRate, PlatformView},
};

/// Catalogue order: as set, with the catch-all "Other" (`CATCH_ALL_SLUG`)
/// always last, after platforms added later.
const CATALOGUE_ORDER: &str = "ORDER BY slug = 'other', sort_order, name";

#[derive(Debug, Clone)]
pub struct Platform {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub price: Money,
    pub lease_minutes: i64,
    pub enabled: bool,
}

/// The enabled catalogue, kept for a moment: every Get Number page and
/// reseller price list reads it. A change made here clears it; one made
/// by another instance shows within `CATALOGUE_TTL`, and a confirmation
/// checks the price against the database anyway. So are the platforms'
/// free numbers (`stock::free_numbers`): a number taken meanwhile leaves a
/// refusal, not a charge. The platforms' code rates, a week's figures, are
/// read again only every `RATES_TTL`.
#[derive(Debug, Clone, Default)]
pub struct CatalogueCache {
    list: Arc<Slot<Arc<Vec<PlatformView>>>>,
    rates: Arc<Slot<Rates>>,
    pub(super) free: Arc<Slot<Arc<FreeNumbers>>>,
    /// Rung after an admin's change to the pool, so customers waiting for
    /// a platform hear of added numbers now rather than at the next look.
    restocked: Arc<tokio::sync::Notify>,
}

/// A cached value and when it was read.
type Slot<T> = Mutex<Option<(Instant, T)>>;

/// Each platform's code rate, by slug.
type Rates = Arc<HashMap<String, CodeRate>>;

pub(super) const CATALOGUE_TTL: Duration = Duration::from_secs(2);
const RATES_TTL: Duration = Duration::from_secs(60);

/// Reads what `slot` holds if younger than `ttl`.
pub(super) fn fresh<T: Clone>(slot: &Slot<T>, ttl: Duration) -> Option<T> {
    let held = slot.lock().ok()?;
    held.as_ref().filter(|(at, _)| at.elapsed() < ttl).map(|(_, value)| value.clone())
}

pub(super) fn store<T>(slot: &Slot<T>, value: Option<T>) {
    if let Ok(mut held) = slot.lock() {
        *held = value.map(|v| (Instant::now(), v));
    }
}

impl CatalogueCache {
    /// After an admin's change: the catalogue and its figures are read anew.
    fn clear(&self) {
        store(&self.list, None);
        store(&self.rates, None);
    }

    /// After an admin's change to the pool: which platforms have numbers
    /// is read anew, so Get Number offers an added number at once.
    pub fn stock_changed(&self) {
        store(&self.list, None);
        store(&self.free, None);
        self.restocked.notify_one();
    }

    /// Resolves after `stock_changed` (a call made while nobody waited
    /// is kept for the next wait).
    pub async fn restocked(&self) {
        self.restocked.notified().await;
    }
}

pub async fn list_enabled(svc: &super::Services) -> Result<Arc<Vec<PlatformView>>, AppError> {
    if let Some(list) = fresh(&svc.catalogue.list, CATALOGUE_TTL) {
        return Ok(list);
    }
    let rates = code_rates(svc).await?;
    let free = super::stock::free_numbers(svc).await?;
    let rows: Vec<(String, String, i64, i64, String)> =
        sqlx::query_as(&format!("SELECT slug, name, price_cents, lease_minutes, color FROM platforms WHERE enabled = 1 {CATALOGUE_ORDER}"))
            .fetch_all(&svc.db.pool)
            .await?;
    let list: Arc<Vec<PlatformView>> = Arc::new(
        rows.into_iter()
            .map(|(slug, name, price, lease_minutes, color)| PlatformView {
                code_rate: rates.get(&slug).copied(),
                available: super::stock::available(svc, &free, &slug),
                slug,
                name,
                price: Money::from_cents(price),
                lease_minutes,
                color: BrandColor::parse(&color).ok(),
            })
            .collect(),
    );
    store(&svc.catalogue.list, Some(list.clone()));
    Ok(list)
}

/// The catalogue at a customer's prices (`discount_of` them).
pub async fn list_at(svc: &super::Services, discount: Discount) -> Result<Vec<PlatformView>, AppError> {
    let list = list_enabled(svc).await?;
    Ok(list.iter().map(|p| PlatformView { price: discount.apply(p.price), ..p.clone() }).collect())
}

/// The customer's discount off the list prices (none for an unknown id).
pub async fn discount_of<'e>(db: impl sqlx::Executor<'e, Database = sqlx::Any>, user_id: i64) -> Result<Discount, AppError> {
    let percent: Option<i64> = sqlx::query_scalar("SELECT discount_percent FROM users WHERE id = $1").bind(user_id).fetch_optional(db).await?;
    Ok(percent.map_or(Discount::NONE, Discount::stored))
}

/// The code rate of every platform with enough leases in the last week.
async fn code_rates(svc: &super::Services) -> Result<Rates, AppError> {
    if let Some(rates) = fresh(&svc.catalogue.rates, RATES_TTL) {
        return Ok(rates);
    }
    let since = svc.now() - 7 * DAY_MS;
    let rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT p.id, p.slug, \
                CAST(SUM(CASE WHEN l.code_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT), \
                CAST(SUM(CASE WHEN l.code_at IS NULL AND l.state = 'expired' THEN 1 ELSE 0 END) AS BIGINT) \
         FROM leases l JOIN platforms p ON p.id = l.platform_id WHERE l.created_at >= $1 GROUP BY p.id, p.slug",
    )
    .bind(since)
    .fetch_all(&svc.db.pool)
    .await?;
    // How soon the codes came, per platform (as the dashboard reads it).
    let waits: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT platform_id, code_at - created_at FROM leases WHERE created_at >= $1 AND code_at IS NOT NULL LIMIT 100000",
    )
    .bind(since)
    .fetch_all(&svc.db.pool)
    .await?;
    let mut waits_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for (platform_id, wait) in waits {
        waits_of.entry(platform_id).or_default().push(wait);
    }
    let rates: Rates = Arc::new(
        rows.into_iter()
            .filter_map(|(id, slug, with, without)| {
                let median = waits_of.remove(&id).and_then(super::dashboard::median_secs);
                CodeRate::from_counts(with, without).map(|rate| (slug, rate.with_median(median)))
            })
            .collect(),
    );
    store(&svc.catalogue.rates, Some(rates.clone()));
    Ok(rates)
}

/// A platform as read from its columns: id, slug, name, price_cents,
/// lease_minutes, enabled.
pub type PlatformRow = (i64, String, String, i64, i64, i64);

impl From<PlatformRow> for Platform {
    fn from((id, slug, name, price, lease_minutes, enabled): PlatformRow) -> Platform {
        Platform { id, slug, name, price: Money::from_cents(price), lease_minutes, enabled: enabled == 1 }
    }
}

pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<Platform>, AppError> {
    let row: Option<PlatformRow> =
        sqlx::query_as("SELECT id, slug, name, price_cents, lease_minutes, enabled FROM platforms WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(Platform::from))
}

pub async fn list_all(db: &Db) -> Result<Vec<AdminPlatform>, AppError> {
    let rows: Vec<(String, String, i64, i64, String, i64)> =
        sqlx::query_as(&format!("SELECT slug, name, price_cents, lease_minutes, color, enabled FROM platforms {CATALOGUE_ORDER}"))
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(slug, name, price, lease_minutes, color, enabled)| AdminPlatform {
            slug,
            name,
            price: Money::from_cents(price),
            lease_minutes,
            color: BrandColor::parse(&color).ok(),
            enabled: enabled == 1,
        })
        .collect())
}

fn describe(name: &str, price: Money, minutes: i64, color: &str, enabled: bool) -> String {
    format!("{name}: {price}, {minutes} min, {color}, {}", if enabled { "enabled" } else { "disabled" })
}

/// Updates a platform and writes the change to the audit log. Leases
/// already confirmed keep the price they were confirmed at.
pub async fn update(svc: &super::Services, admin_id: i64, slug: &str, terms: &PlatformTerms, enabled: bool) -> Result<(), AppError> {
    let mut tx = svc.db.begin_write().await?;
    let before: Option<(i64, String, i64, i64, String, i64)> =
        sqlx::query_as("SELECT id, name, price_cents, lease_minutes, color, enabled FROM platforms WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&mut *tx)
            .await?;
    let (id, name, price, minutes, color, was_enabled) = before.ok_or_else(|| AppError::Invalid("Unknown platform.".into()))?;
    sqlx::query("UPDATE platforms SET name = $1, price_cents = $2, lease_minutes = $3, color = $4, enabled = $5 WHERE id = $6")
        .bind(terms.name.as_str())
        .bind(terms.price.cents())
        .bind(terms.lease_minutes)
        .bind(terms.color.as_str())
        .bind(i64::from(enabled))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    super::audit::record(
        &mut *tx,
        svc.now(),
        admin_id,
        "platform_update",
        None,
        &describe(&name, Money::from_cents(price), minutes, &color, was_enabled == 1),
        &describe(terms.name.as_str(), terms.price, terms.lease_minutes, terms.color.as_str(), enabled),
    )
    .await?;
    tx.commit().await?;
    svc.catalogue.clear();
    Ok(())
}

/// Adds an enabled platform after the others (before "Other") and writes
/// it to the audit log. Its slug comes from its name and must be new.
pub async fn add(svc: &super::Services, admin_id: i64, terms: &PlatformTerms) -> Result<PlatformSlug, AppError> {
    let slug = PlatformSlug::from_name(&terms.name).map_err(AppError::Invalid)?;
    // Reseller clients may name a platform by its usual SMS-Activate code
    // ("tg"), so a slug must not be another platform's code.
    if let Some(owner) = super::upstream::protocol::platform_for_code(slug.as_str()) {
        return Err(AppError::Invalid(format!("\"{slug}\" is how the reseller API names {owner}; choose a longer name.")));
    }
    let mut tx = svc.db.begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO platforms (slug, name, price_cents, lease_minutes, color, sort_order, enabled) \
         SELECT $1, $2, $3, $4, $5, COALESCE(MAX(sort_order), 0) + 1, 1 FROM platforms",
    )
    .bind(slug.as_str())
    .bind(terms.name.as_str())
    .bind(terms.price.cents())
    .bind(terms.lease_minutes)
    .bind(terms.color.as_str())
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(AppError::Invalid(format!("The catalogue already has the platform \"{slug}\"; change that one instead.")))
        }
        Err(e) => return Err(e.into()),
    }
    super::audit::record(
        &mut *tx,
        svc.now(),
        admin_id,
        "platform_add",
        None,
        "",
        &describe(terms.name.as_str(), terms.price, terms.lease_minutes, terms.color.as_str(), true),
    )
    .await?;
    tx.commit().await?;
    svc.catalogue.clear();
    Ok(slug)
}

/// Moves a platform one place up or down the catalogue and writes it to
/// the audit log. The catch-all "Other" stays last.
pub async fn move_platform(svc: &super::Services, admin_id: i64, slug: &str, up: bool) -> Result<(), AppError> {
    if is_catch_all(slug) {
        return Err(AppError::Invalid("\"Other\" stays last, after every platform.".into()));
    }
    let mut tx = svc.db.begin_write().await?;
    let mut order: Vec<(i64, String)> = sqlx::query_as(&format!("SELECT id, slug FROM platforms WHERE slug <> $1 {CATALOGUE_ORDER}"))
        .bind(CATCH_ALL_SLUG)
        .fetch_all(&mut *tx)
        .await?;
    let at = order.iter().position(|(_, s)| s == slug).ok_or_else(|| AppError::Invalid("Unknown platform.".into()))?;
    let to = if up { at.checked_sub(1) } else { Some(at + 1).filter(|&i| i < order.len()) };
    let Some(to) = to else {
        return Ok(()); // already first or last
    };
    order.swap(at, to);
    // Numbered afresh: equal positions (ties broken by name) cannot swap.
    for (position, (id, _)) in order.iter().enumerate() {
        sqlx::query("UPDATE platforms SET sort_order = $1 WHERE id = $2").bind(position as i64).bind(id).execute(&mut *tx).await?;
    }
    super::audit::record(
        &mut *tx,
        svc.now(),
        admin_id,
        "platform_move",
        None,
        &format!("{slug} at {}", at + 1),
        &format!("{slug} at {}", to + 1),
    )
    .await?;
    tx.commit().await?;
    svc.catalogue.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_puts_the_catch_all_last() {
        assert!(CATALOGUE_ORDER.contains(&format!("slug = '{CATCH_ALL_SLUG}'")));
    }
}
