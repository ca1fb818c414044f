//! The platform catalogue: names, prices, lease windows.
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

pub async fn list_enabled(db: &Db) -> Result<Vec<PlatformView>, AppError> {
    let rows: Vec<(String, String, i64, i64, String)> = sqlx::query_as(
        "SELECT slug, name, price_cents, lease_minutes, color FROM platforms WHERE enabled = 1 ORDER BY sort_order, name",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(slug, name, price, lease_minutes, color)| PlatformView { slug, name, price: Money::from_cents(price), lease_minutes, color })
        .collect())
}

pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<Platform>, AppError> {
    let row: Option<(i64, String, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT id, slug, name, price_cents, lease_minutes, enabled FROM platforms WHERE slug = $1",
    )
    .bind(slug)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(id, slug, name, price, lease_minutes, enabled)| Platform {
        id,
        slug,
        name,
        price: Money::from_cents(price),
        lease_minutes,
        enabled: enabled == 1,
    }))
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
    Ok(())
}
