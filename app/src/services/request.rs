//! Who is asking: the client IP and browser, and the signed-in user, as
//! the session middleware put them on the request.
use leptos::prelude::use_context;

use super::AuthSettings;
use crate::auth::Viewer;
use crate::error::AppError;

/// Client address and user agent of the current request.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: String,
    pub user_agent: String,
}

/// The signed-in account behind the current request.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user_id: i64,
    pub session_id: String,
    pub viewer: Viewer,
}

fn parts() -> Option<axum::http::request::Parts> {
    use_context::<axum::http::request::Parts>()
}

pub fn request_meta() -> RequestMeta {
    parts().and_then(|p| p.extensions.get::<RequestMeta>().cloned()).unwrap_or_default()
}

pub fn authenticated() -> Option<Authenticated> {
    parts().and_then(|p| p.extensions.get::<Authenticated>().cloned())
}

/// The signed-in user, or `Unauthenticated`.
pub fn require_user() -> Result<Authenticated, AppError> {
    authenticated().ok_or(AppError::Unauthenticated)
}

impl Authenticated {
    /// This user, allowed into the admin console (`Viewer::admin_access`),
    /// for server functions and plain routes alike.
    pub fn admin(self, auth: &AuthSettings) -> Result<Authenticated, AppError> {
        self.viewer.admin_access(auth.admin_two_step)?;
        Ok(self)
    }
}

/// The signed-in admin, or `Unauthenticated` / `Forbidden` /
/// `TwoStepRequired`.
pub fn require_admin() -> Result<Authenticated, AppError> {
    require_user()?.admin(&super::services()?.auth)
}
