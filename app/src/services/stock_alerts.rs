//! "Email me" (when there are numbers): a customer who finds a platform with no
//! number to be had asks to be mailed once it has numbers again. Asking
//! counts as a customer turned away (the operators hear of it as of a
//! refused confirmation). The mail goes once, then the wish is forgotten,
//! as it is after a week without numbers.
use std::time::Duration;

use super::{
    clock::{DAY_MS, HOUR_MS},
    mailer::{self, Mail},
    platforms, shortages, stock, Services,
};
use crate::{domain::Email, error::AppError};

/// How long a wish waits for numbers.
pub const KEPT_FOR_MS: i64 = 7 * DAY_MS;
/// How often the platforms customers wait for are looked at.
pub const CHECK_EVERY: Duration = Duration::from_secs(30);

/// Records the customer's wish for the platform (asking again changes
/// nothing). Refused while the platform has numbers: choosing it is better.
pub async fn ask(svc: &Services, user_id: i64, email_verified: bool, slug: &str) -> Result<(), AppError> {
    if !email_verified {
        return Err(AppError::Invalid("Verify your email first: that is where we would write.".into()));
    }
    let platform = platforms::by_slug(&svc.db, slug).await?.filter(|p| p.enabled).ok_or_else(|| AppError::Invalid("Unknown platform.".into()))?;
    let free = stock::free_numbers(svc).await?;
    if stock::available(svc, &free, &platform.slug) {
        return Err(AppError::Invalid(format!("{} has numbers now: choose it.", platform.name)));
    }
    let added = sqlx::query("INSERT INTO stock_waits (user_id, platform_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, platform_id) DO NOTHING")
        .bind(user_id)
        .bind(platform.id)
        .bind(svc.now())
        .execute(&svc.db.pool)
        .await?
        .rows_affected();
    if added == 1 {
        shortages::turned_away(svc, platform.id, &platform.slug, &platform.name, "none to be had; a customer asked to be mailed when there are").await;
    }
    Ok(())
}

/// Forgets the customer's wish for the platform, if there was one.
pub async fn withdraw(svc: &Services, user_id: i64, slug: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM stock_waits WHERE user_id = $1 AND platform_id IN (SELECT id FROM platforms WHERE slug = $2)")
        .bind(user_id)
        .bind(slug)
        .execute(&svc.db.pool)
        .await?;
    Ok(())
}

/// The platforms (slugs) the customer is waiting for.
pub async fn waiting_for(svc: &Services, user_id: i64) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar("SELECT p.slug FROM stock_waits w JOIN platforms p ON p.id = w.platform_id WHERE w.user_id = $1 ORDER BY w.id")
        .bind(user_id)
        .fetch_all(&svc.db.pool)
        .await?)
}

/// Mails everyone waiting for a platform that has numbers again, once
/// (each wish is deleted in the transaction that queues its mail, so two
/// instances never both mail), and forgets wishes older than a week.
/// Returns how many mails were queued.
pub async fn notify(svc: &Services) -> Result<usize, AppError> {
    let now = svc.now();
    sqlx::query("DELETE FROM stock_waits WHERE created_at < $1").bind(now - KEPT_FOR_MS).execute(&svc.db.pool).await?;
    let awaited: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT DISTINCT p.id, p.slug, p.name FROM stock_waits w JOIN platforms p ON p.id = w.platform_id WHERE p.enabled = 1",
    )
    .fetch_all(&svc.db.pool)
    .await?;
    if awaited.is_empty() {
        return Ok(0);
    }
    let free = stock::free_numbers(svc).await?;
    let mut queued = 0;
    for (platform_id, slug, name) in awaited {
        if !stock::available(svc, &free, &slug) {
            continue;
        }
        let mut tx = svc.db.begin_write().await?;
        let waiting: Vec<(i64, String, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT w.id, u.email, u.email_verified_at, u.disabled_at FROM stock_waits w JOIN users u ON u.id = w.user_id WHERE w.platform_id = $1",
        )
        .bind(platform_id)
        .fetch_all(&mut *tx)
        .await?;
        for (wish, email, verified_at, disabled_at) in waiting {
            let taken = sqlx::query("DELETE FROM stock_waits WHERE id = $1").bind(wish).execute(&mut *tx).await?.rows_affected();
            let Some(to) = mailer::notice_address(&email, verified_at).filter(|_| taken == 1 && disabled_at.is_none()) else { continue };
            if svc.mailer.enqueue_notice(&mut tx, now, &available_mail(svc, &to, &name, now)).await? {
                queued += 1;
            }
        }
        tx.commit().await?;
    }
    if queued > 0 {
        svc.mailer.wake();
    }
    Ok(queued)
}

fn available_mail<'a>(svc: &Services, to: &'a Email, platform: &str, now: i64) -> Mail<'a> {
    let body = format!(
        "You asked us to tell you when {brand} had numbers for {platform} again. It has now{link}\n\n\
         Numbers can go quickly, so there is no promise one is still free when you look. This is the only mail about it.\n\n{brand}",
        brand = svc.brand,
        link = mailer::link_to(svc, "/get-number"),
    );
    // Worth reading within the hour, not days later.
    Mail { send_before: now + HOUR_MS, ..Mail::notice(to, format!("{platform} numbers are available on {}", svc.brand), body, now) }
}
