//! Who is asking: the client IP and browser, and the signed-in user, as
//! the session middleware put them on the request.
use leptos::prelude::use_context;

use super::AuthSettings;
use crate::auth::Viewer;
use crate::domain::Desk;
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

/// An optional form field's text, trimmed; None when left empty.
pub fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|f| !f.is_empty())
}

fn parts() -> Option<axum::http::request::Parts> {
    use_context::<axum::http::request::Parts>()
}

/// The value of cookie `name` among a request's `Cookie` headers; an empty
/// value counts as none (that is how we clear a cookie).
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// The value of cookie `name` on the current request.
pub fn request_cookie(name: &str) -> Option<String> {
    parts().and_then(|p| cookie(&p.headers, name).map(str::to_string))
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
    /// This user, allowed to `desk` of the admin console
    /// (`Viewer::console_access`), for server functions and plain routes
    /// alike.
    pub fn at_desk(self, desk: Desk, auth: &AuthSettings) -> Result<Authenticated, AppError> {
        self.viewer.console_access(desk, auth.admin_two_step)?;
        Ok(self)
    }

    /// This user, allowed to the whole admin console.
    pub fn admin(self, auth: &AuthSettings) -> Result<Authenticated, AppError> {
        self.at_desk(Desk::Operations, auth)
    }
}

/// The signed-in admin, or `Unauthenticated` / `Forbidden` /
/// `TwoStepRequired`.
pub fn require_admin() -> Result<Authenticated, AppError> {
    require_user()?.admin(&super::services()?.auth)
}

/// Signed-in staff allowed to the support desk (support staff or an
/// admin), or `Unauthenticated` / `Forbidden` / `TwoStepRequired`.
pub fn require_staff() -> Result<Authenticated, AppError> {
    require_user()?.at_desk(Desk::Support, &super::services()?.auth)
}

#[cfg(test)]
mod tests {
    use super::cookie;
    use axum::http::{header::COOKIE, HeaderMap, HeaderValue};

    fn headers(values: &[&'static str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(COOKIE, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn finds_a_cookie_by_its_whole_name_in_any_header() {
        let h = headers(&["usnh_session=abc; usnh_theme=dark", "other=1"]);
        assert_eq!(cookie(&h, "usnh_theme"), Some("dark"));
        assert_eq!(cookie(&h, "other"), Some("1"));
        assert_eq!(cookie(&headers(&["xusnh_theme=dark"]), "usnh_theme"), None);
        assert_eq!(cookie(&headers(&["usnh_theme="]), "usnh_theme"), None);
        assert_eq!(cookie(&headers(&[]), "usnh_theme"), None);
        assert_eq!(cookie(&headers(&["a=b=c"]), "a"), Some("b=c"));
    }
}
