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
