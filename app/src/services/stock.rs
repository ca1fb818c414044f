//! What each platform has to offer now: a free number of ours, or an
//! upstream that may sell one. Get Number offers only platforms that have
//! (`PlatformView::available`); admins see the figures on the Supply page.
use super::{providers::FreeNumbers, Services};
use crate::{error::AppError, number_pool::PlatformStock};

/// Our numbers a lease could take now, by platform.
pub async fn free_numbers(svc: &Services) -> Result<FreeNumbers, AppError> {
    Ok(svc.numbers.free_counts(&svc.db.pool, svc.leases.reuse_after_code_ms, svc.now()).await?)
}

/// Whether a customer may choose the platform: a number can be had, as
/// far as we know (a number taken meanwhile leaves a refusal, not a charge).
pub fn available(svc: &Services, free: &FreeNumbers, slug: &str) -> bool {
    free.for_platform(slug) > 0 || svc.upstreams.stock(slug).may_sell
}

/// Every platform on offer with its figures, in catalogue order, read now.
pub async fn by_platform(svc: &Services) -> Result<Vec<PlatformStock>, AppError> {
    let free = free_numbers(svc).await?;
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
