//! The announcement above every page. Staff publish and clear it (both
//! audited); each instance keeps the current one in memory
//! (`AnnouncementBoard`), so a page renders it without a query. A
//! background task re-reads it every few seconds, which is how an end
//! time passes and how other instances hear of a change.
use super::clock::HOUR_MS;
use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc, RwLock,
};

use super::{audit, Services};
use crate::{
    domain::{Announcement, AnnouncementLevel, ShownAnnouncement},
    error::AppError,
};

/// How often each instance re-reads the announcement.
pub const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Clone, Default, Debug)]
pub struct AnnouncementBoard(Arc<Board>);

#[derive(Default, Debug)]
struct Board {
    shown: RwLock<Option<ShownAnnouncement>>,
    /// Moves on each change, so cached pages know they are stale.
    version: AtomicU64,
}

impl AnnouncementBoard {
    pub fn current(&self) -> Option<ShownAnnouncement> {
        self.0.shown.read().map(|shown| shown.clone()).unwrap_or_default()
    }

    pub fn version(&self) -> u64 {
        self.0.version.load(Ordering::Acquire)
    }

    fn show(&self, announcement: Option<ShownAnnouncement>) {
        let Ok(mut shown) = self.0.shown.write() else { return };
        if *shown != announcement {
            *shown = announcement;
            self.0.version.fetch_add(1, Ordering::AcqRel);
        }
    }
}

type Row = (String, String, Option<i64>);

async fn current_row(conn: &mut sqlx::AnyConnection, now: i64) -> Result<Option<Row>, AppError> {
    Ok(sqlx::query_as(
        "SELECT body, level, ends_at FROM announcements WHERE cleared_at IS NULL AND (ends_at IS NULL OR ends_at > $1) \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

fn shown((text, level, ends_at): Row) -> ShownAnnouncement {
    // A level this version does not know (written by a newer one) shows as a warning.
    ShownAnnouncement { text, level: AnnouncementLevel::parse(&level).unwrap_or(AnnouncementLevel::Warning), ends_at }
}

/// Reads the current announcement into this instance's board.
pub async fn refresh(svc: &Services) -> Result<(), AppError> {
    let mut conn = svc.db.pool.acquire().await?;
    let row = current_row(&mut conn, svc.now()).await?;
    svc.announcements.show(row.map(shown));
    Ok(())
}

/// Replaces the current announcement, if any, with `announcement`.
pub async fn publish(svc: &Services, admin_id: i64, announcement: &Announcement) -> Result<ShownAnnouncement, AppError> {
    let now = svc.now();
    let ends_at = announcement.hours().map(|h| now + i64::from(h) * HOUR_MS);
    let mut tx = svc.db.begin_write().await?;
    let before = end_current(&mut tx, now).await?;
    sqlx::query("INSERT INTO announcements (body, level, created_by, created_at, ends_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(announcement.text())
        .bind(announcement.level().as_str())
        .bind(admin_id)
        .bind(now)
        .bind(ends_at)
        .execute(&mut *tx)
        .await?;
    let after = format!("{}: {}", announcement.level().as_str(), announcement.text());
    audit::record(&mut *tx, now, admin_id, "site.announcement", None, &before, &after).await?;
    tx.commit().await?;
    let shown = ShownAnnouncement { text: announcement.text().to_string(), level: announcement.level(), ends_at };
    svc.announcements.show(Some(shown.clone()));
    Ok(shown)
}

/// Takes the current announcement down.
pub async fn clear(svc: &Services, admin_id: i64) -> Result<(), AppError> {
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let before = end_current(&mut tx, now).await?;
    if before.is_empty() {
        return Err(AppError::Invalid("No announcement is shown.".into()));
    }
    audit::record(&mut *tx, now, admin_id, "site.announcement", None, &before, "").await?;
    tx.commit().await?;
    svc.announcements.show(None);
    Ok(())
}

/// Clears whatever is current; returns it as the audit log's "before"
/// ("" for none).
async fn end_current(tx: &mut sqlx::Transaction<'static, sqlx::Any>, now: i64) -> Result<String, AppError> {
    let Some((text, level, _)) = current_row(tx, now).await? else { return Ok(String::new()) };
    sqlx::query("UPDATE announcements SET cleared_at = $1 WHERE cleared_at IS NULL").bind(now).execute(&mut **tx).await?;
    Ok(format!("{level}: {text}"))
}
