//! What each platform has to offer now: a free number of ours, or an
//! upstream that may sell one. Get Number offers only platforms that have
//! (`PlatformView::available`); admins see the figures on the Supply page.
use std::sync::Arc;

use super::{
    platforms::{fresh, store, CATALOGUE_TTL},
    providers::FreeNumbers,
    Services,
};
use crate::{error::AppError, number_pool::PlatformStock};

/// Our numbers a lease could take, by platform, read at most
/// `CATALOGUE_TTL` ago: every Get Number page and reseller price list asks.
pub async fn free_numbers(svc: &Services) -> Result<Arc<FreeNumbers>, AppError> {
    if let Some(free) = fresh(&svc.catalogue.free, CATALOGUE_TTL) {
        return Ok(free);
    }
    let free = Arc::new(free_numbers_now(svc).await?);
    store(&svc.catalogue.free, Some(free.clone()));
    Ok(free)
}

async fn free_numbers_now(svc: &Services) -> Result<FreeNumbers, AppError> {
    Ok(svc.numbers.free_counts(&svc.db.pool, svc.leases.reuse_after_code_ms, svc.now()).await?)
}

/// Whether a customer may choose the platform: a number can be had, as
/// far as we know (a number taken meanwhile leaves a refusal, not a charge).
pub fn available(svc: &Services, free: &FreeNumbers, slug: &str) -> bool {
    free.for_platform(slug) > 0 || svc.upstreams.stock(slug).may_sell
}

/// Every platform on offer with its figures, in catalogue order, read now.
pub async fn by_platform(svc: &Services) -> Result<Vec<PlatformStock>, AppError> {
    let free = free_numbers_now(svc).await?;
    let platforms = super::platforms::list_all(&svc.db).await?;
    Ok(platforms
        .into_iter()
        .filter(|p| p.enabled)
        .map(|p| {
            PlatformStock {
                available: available(svc, &free, &p.slug),
                ours: free.for_platform(&p.slug),
                upstream: svc.upstreams.stock(&p.slug).counted,
                platform: p.name,
            }
        })
        .collect())
}
