//! The platform catalogue: names, prices, lease windows.
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use super::db::Db;
use crate::{domain::Money, error::AppError, get_number::PlatformView};

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
/// checks the price against the database anyway.
#[derive(Debug, Clone, Default)]
pub struct CatalogueCache(Arc<Mutex<Option<Snapshot>>>);

/// The catalogue and when it was read.
type Snapshot = (Instant, Arc<Vec<PlatformView>>);

const CATALOGUE_TTL: Duration = Duration::from_secs(2);

impl CatalogueCache {
    fn get(&self) -> Option<Arc<Vec<PlatformView>>> {
        let cached = self.0.lock().ok()?;
        cached.as_ref().filter(|(at, _)| at.elapsed() < CATALOGUE_TTL).map(|(_, list)| list.clone())
    }

    fn put(&self, list: Arc<Vec<PlatformView>>) {
        if let Ok(mut cached) = self.0.lock() {
            *cached = Some((Instant::now(), list));
        }
    }

    fn clear(&self) {
        if let Ok(mut cached) = self.0.lock() {
            *cached = None;
        }
    }
}

pub async fn list_enabled(svc: &super::Services) -> Result<Arc<Vec<PlatformView>>, AppError> {
    if let Some(list) = svc.catalogue.get() {
        return Ok(list);
    }
    let rows: Vec<(String, String, i64, i64, String)> = sqlx::query_as(
        "SELECT slug, name, price_cents, lease_minutes, color FROM platforms WHERE enabled = 1 ORDER BY sort_order, name",
    )
    .fetch_all(&svc.db.pool)
    .await?;
    let list: Arc<Vec<PlatformView>> = Arc::new(
        rows.into_iter()
            .map(|(slug, name, price, lease_minutes, color)| PlatformView { slug, name, price: Money::from_cents(price), lease_minutes, color })
            .collect(),
    );
    svc.catalogue.put(list.clone());
    Ok(list)
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

pub async fn list_all(db: &Db) -> Result<Vec<crate::get_number::AdminPlatform>, AppError> {
    let rows: Vec<(String, String, i64, i64, i64)> =
        sqlx::query_as("SELECT slug, name, price_cents, lease_minutes, enabled FROM platforms ORDER BY sort_order, name")
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(slug, name, price, lease_minutes, enabled)| crate::get_number::AdminPlatform {
            slug,
            name,
            price: Money::from_cents(price),
            lease_minutes,
            enabled: enabled == 1,
        })
        .collect())
}

/// Updates a platform and writes the change to the audit log. Leases
/// already confirmed keep the price they were confirmed at.
pub async fn update(
    svc: &super::Services,
    admin_id: i64,
    slug: &str,
    name: &str,
    price: Money,
    lease_minutes: i64,
    enabled: bool,
) -> Result<(), AppError> {
    let before = by_slug(&svc.db, slug).await?.ok_or_else(|| AppError::Invalid("Unknown platform.".into()))?;
    let mut tx = svc.db.begin_write().await?;
    sqlx::query("UPDATE platforms SET name = $1, price_cents = $2, lease_minutes = $3, enabled = $4 WHERE slug = $5")
        .bind(name)
        .bind(price.cents())
        .bind(lease_minutes)
        .bind(i64::from(enabled))
        .bind(slug)
        .execute(&mut *tx)
        .await?;
    let describe = |name: &str, price: Money, minutes: i64, enabled: bool| {
        format!("{name}: {price}, {minutes} min, {}", if enabled { "enabled" } else { "disabled" })
    };
    super::audit::record(
        &mut *tx,
        svc.now(),
        admin_id,
        "platform_update",
        None,
        &describe(&before.name, before.price, before.lease_minutes, before.enabled),
        &describe(name, price, lease_minutes, enabled),
    )
    .await?;
    tx.commit().await?;
    svc.catalogue.clear();
    Ok(())
}
