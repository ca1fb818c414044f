//! Server functions behind the Account page: devices, the security log,
//! password and email changes, deletion.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A signed-in device as the Account page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub id: String,
    pub browser: String,
    pub ip: String,
    pub first_seen: i64,
    pub last_seen: i64,
    pub this_device: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityEvent {
    pub what: String,
    pub ip: String,
    pub browser: String,
    pub at: i64,
}

/// "Firefox on Linux" from a user agent string.
pub fn describe_browser(user_agent: &str) -> String {
    let ua = user_agent;
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") {
        "Opera"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else if ua.contains("curl/") {
        "curl"
    } else if ua.is_empty() {
        "Unknown browser"
    } else {
        "Other browser"
    };
    let os = if ua.contains("Android") {
        "Android"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        ""
    };
    if os.is_empty() { browser.to_string() } else { format!("{browser} on {os}") }
}

#[server(endpoint = "devices", protocol = crate::wire::Wire)]
pub async fn list_devices() -> Result<Vec<Device>, AppError> {
    use crate::services::{request::require_user, services};
    let user = require_user()?;
    devices_of(&*services()?, user.user_id, Some(&user.session_id)).await
}

/// Signs out one of the user's own devices.
#[server(endpoint = "sign_out_device", protocol = crate::wire::Wire)]
pub async fn sign_out_device(id: String) -> Result<(), AppError> {
    use crate::services::{request::{request_meta, require_user}, services, sessions};
    let user = require_user()?;
    let svc = services()?;
    // Only the user's own sessions match; another id reveals nothing.
    if !sessions::end_with_event(&svc, user.user_id, &id, "signed_out_from_devices_list", &request_meta()).await? {
        return Err(AppError::NotFound);
    }
    if id == user.session_id {
        sessions::clear_cookies(&svc);
    }
    Ok(())
}

/// Signs out every device but this one.
#[server(endpoint = "sign_out_others", protocol = crate::wire::Wire)]
pub async fn sign_out_other_devices() -> Result<u64, AppError> {
    use crate::auth::SecurityEventKind;
    use crate::services::{request::{request_meta, require_user}, security_log, services, sessions};
    let user = require_user()?;
    let svc = services()?;
    let mut tx = svc.db.begin_write().await?;
    let ended = sessions::end_all(&mut *tx, svc.now(), user.user_id, Some(&user.session_id), "signed_out_everywhere_else").await?;
    security_log::record(&mut *tx, svc.now(), Some(user.user_id), SecurityEventKind::SignOut, &request_meta(), "everywhere else").await?;
    svc.session_cache.commit_for_user(tx, user.user_id).await?;
    Ok(ended)
}

/// Changes the password; every other device is signed out.
#[server(endpoint = "change_password", protocol = crate::wire::Wire)]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    use crate::services::{accounts, request::{request_meta, require_user}, services};
    let user = require_user()?;
    accounts::change_password(&*services()?, user.user_id, &user.session_id, &current_password, &new_password, &request_meta()).await
}

/// Mails a code to the address the account should move to; answers that
/// address as it will be kept (lower case).
#[server(endpoint = "request_email_change", protocol = crate::wire::Wire)]
pub async fn request_email_change(new_email: String, password: String) -> Result<String, AppError> {
    use crate::domain::Email;
    use crate::services::{email_change, request::{request_meta, require_user}, services};
    let user = require_user()?;
    let new_email = Email::parse(&new_email).map_err(AppError::Invalid)?;
    email_change::request(&*services()?, user.user_id, &new_email, &password, &request_meta()).await?;
    Ok(new_email.as_str().to_string())
}

/// The address an email change waits to be confirmed for, if any.
#[server(endpoint = "pending_email_change", protocol = crate::wire::Wire)]
pub async fn pending_email_change() -> Result<Option<String>, AppError> {
    use crate::services::{email_change, request::require_user, services};
    let user = require_user()?;
    email_change::pending(&*services()?, user.user_id).await
}

/// Gives up the email change waiting for its code; that code stops working.
#[server(endpoint = "abandon_email_change", protocol = crate::wire::Wire)]
pub async fn abandon_email_change() -> Result<(), AppError> {
    use crate::services::{email_change, request::require_user, services};
    let user = require_user()?;
    email_change::abandon(&*services()?, user.user_id).await
}

/// Moves the account to the new address with the code mailed there;
/// answers the viewer as it now is.
#[server(endpoint = "confirm_email_change", protocol = crate::wire::Wire)]
pub async fn confirm_email_change(code: String) -> Result<Option<crate::auth::Viewer>, AppError> {
    use crate::services::{email_change, request::{request_meta, require_user}, services};
    use crate::site_info::SiteInfo;
    let user = require_user()?;
    let code = crate::auth::emailed_code(&code)?;
    let contact = use_context::<std::sync::Arc<SiteInfo>>()
        .map(|site| format!("tell us right away: write to {} or message {} on WhatsApp.", site.support_email, site.whatsapp_display()))
        .unwrap_or_else(|| "tell us right away from the Support page of the site.".into());
    let email = email_change::confirm(&*services()?, user.user_id, &code, &contact, &request_meta()).await?;
    Ok(Some(crate::auth::Viewer { email: email.as_str().to_string(), email_verified: true, ..user.viewer }))
}

/// Deletes the account after the password is confirmed; money left in the
/// wallet only when the customer says to give it up.
#[server(endpoint = "delete_account", protocol = crate::wire::Wire)]
pub async fn delete_account(password: String, confirm: Option<String>, give_up_balance: Option<String>) -> Result<(), AppError> {
    use crate::services::{accounts, request::{request_meta, require_user}, services, sessions};
    let user = require_user()?;
    if confirm.as_deref() != Some("yes") {
        return Err(AppError::Invalid("Tick the box to confirm that you want to delete your account.".into()));
    }
    let svc = services()?;
    let give_up_balance = give_up_balance.as_deref() == Some("yes");
    accounts::delete_account(&svc, user.user_id, &password, give_up_balance, &request_meta()).await?;
    sessions::clear_cookies(&svc);
    leptos_axum::redirect("/");
    Ok(())
}

#[server(endpoint = "my_security_log", protocol = crate::wire::Wire)]
pub async fn my_security_log() -> Result<Vec<SecurityEvent>, AppError> {
    use crate::services::{request::require_user, services};
    let user = require_user()?;
    security_events_of(&*services()?, user.user_id).await
}

/// A user's signed-in devices (`current`: the asking session).
#[cfg(feature = "ssr")]
pub async fn devices_of(svc: &crate::services::Services, user_id: i64, current: Option<&str>) -> Result<Vec<Device>, AppError> {
    let rows = crate::services::sessions::list_active(svc, user_id).await?;
    Ok(rows
        .into_iter()
        .map(|r| Device {
            this_device: current == Some(r.session_id.as_str()),
            id: r.session_id,
            browser: describe_browser(&r.user_agent),
            ip: r.ip,
            first_seen: r.created_at,
            last_seen: r.last_seen_at,
        })
        .collect())
}

/// A user's security log, newest first.
#[cfg(feature = "ssr")]
pub async fn security_events_of(svc: &crate::services::Services, user_id: i64) -> Result<Vec<SecurityEvent>, AppError> {
    use crate::auth::SecurityEventKind;
    let rows = crate::services::security_log::list_for_user(&svc.db, user_id, 100).await?;
    Ok(rows
        .into_iter()
        .map(|r| SecurityEvent {
            what: SecurityEventKind::label_of(r.kind),
            ip: r.ip,
            browser: describe_browser(&r.user_agent),
            at: r.created_at,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_are_named() {
        assert_eq!(
            describe_browser("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0 Safari/537.36 Chrome/156.0"),
            "Chrome on Linux"
        );
        assert_eq!(describe_browser("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"), "Safari on iOS");
        assert_eq!(describe_browser(""), "Unknown browser");
    }
}
