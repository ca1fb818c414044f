//! The announcement as pages see it: the banner above every page, and
//! the admin functions that publish and clear it.
use leptos::prelude::*;

use crate::{
    components::local_time::LocalTime,
    domain::{AnnouncementLevel, ShownAnnouncement},
    error::AppError,
};

/// The current announcement, if any.
#[server(endpoint = "admin/announcement", protocol = crate::wire::Wire)]
pub async fn admin_announcement() -> Result<Option<ShownAnnouncement>, AppError> {
    use crate::services::{request::require_admin, services};
    require_admin()?;
    Ok(services()?.announcements.current())
}

/// Shows `text` above every page, for `hours` (empty: until cleared).
#[server(endpoint = "admin/announce", protocol = crate::wire::Wire)]
pub async fn announce(text: String, level: String, hours: String) -> Result<ShownAnnouncement, AppError> {
    use crate::services::{announcements, request::require_admin, services};
    let admin = require_admin()?;
    let announcement = crate::domain::Announcement::parse(&text, &level, &hours).map_err(AppError::Invalid)?;
    announcements::publish(&*services()?, admin.user_id, &announcement).await
}

#[server(endpoint = "admin/clear_announcement", protocol = crate::wire::Wire)]
pub async fn clear_announcement() -> Result<(), AppError> {
    use crate::services::{announcements, request::require_admin, services};
    let admin = require_admin()?;
    announcements::clear(&*services()?, admin.user_id).await
}

/// The banner. Its text is rendered with the page and sent along for
/// hydration, like the site info: no resource, no query, no Suspense on
/// every page. A page reached by a link in the app keeps what the first
/// one showed.
#[component]
pub fn AnnouncementBanner() -> impl IntoView {
    let shown = SharedValue::<_, crate::wire::Compact>::new_with_encoding(|| {
        #[cfg(feature = "ssr")]
        if let Some(svc) = use_context::<std::sync::Arc<crate::services::Services>>() {
            return svc.announcements.current();
        }
        None::<ShownAnnouncement>
    })
    .into_inner();
    shown.map(|a| {
        let class = match a.level {
            AnnouncementLevel::Info => "announcement alert alert-info",
            AnnouncementLevel::Warning => "announcement alert alert-warning",
        };
        view! {
            <div class="container">
                <p class=class role="status" data-testid="announcement">{a.text}</p>
            </div>
        }
    })
}

/// What the admin sees of the current announcement.
pub fn describe(a: &ShownAnnouncement) -> impl IntoView {
    let level = a.level.as_str();
    view! {
        <p data-testid="current-announcement">
            <strong>{level}</strong> ": " {a.text.clone()}
            {a.ends_at.map(|at| view! { " — until " <LocalTime millis=at /> })}
        </p>
    }
}
