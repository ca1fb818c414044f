//! Light or dark pages: the system's setting unless the visitor chose one
//! (the footer's switch). The choice is a cookie, so the server renders
//! the page in it from the first byte (no flash of the other colours); the
//! stylesheet reads `<html data-theme>` and `color-scheme`.

/// The cookie holding a chosen theme; none means the system's.
pub const COOKIE: &str = "usnh_theme";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    pub fn parse(text: &str) -> Option<Theme> {
        match text {
            "system" => Some(Theme::System),
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "System",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }

    /// `<html data-theme>`: absent when the system decides.
    pub fn attribute(self) -> Option<&'static str> {
        (self != Theme::System).then(|| self.as_str())
    }

    /// `<meta name="color-scheme">`, which the browser reads before the
    /// stylesheet: a dark page does not start white.
    pub fn color_scheme(self) -> &'static str {
        match self {
            Theme::System => "light dark",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// `<meta name="theme-color">` (the colour of a phone's status bar and
    /// tab strip: the header's) while the system is in dark mode or not.
    pub fn theme_color(self, system_dark: bool) -> &'static str {
        let dark = match self {
            Theme::System => system_dark,
            Theme::Light => false,
            Theme::Dark => true,
        };
        // --c-surface in style/main.css.
        if dark { "#181c25" } else { "#ffffff" }
    }

    /// The `Set-Cookie` value that stores this choice for a year (the
    /// system's setting clears it). Not secret, but `Secure` over HTTPS
    /// like every cookie of ours.
    pub fn cookie(self, secure: bool) -> String {
        let secure = if secure { "; Secure" } else { "" };
        match self.attribute() {
            Some(value) => format!("{COOKIE}={value}; Path=/; Max-Age=31536000; SameSite=Lax{secure}"),
            None => format!("{COOKIE}=; Path=/; Max-Age=0; SameSite=Lax{secure}"),
        }
    }
}

/// The theme this page is drawn in: on the server from the request's
/// cookie, in the browser from `<html data-theme>` (which the server drew
/// from the same cookie), so hydration sees what was rendered.
#[cfg(feature = "ssr")]
pub fn current() -> Theme {
    crate::services::request::request_cookie(COOKIE).and_then(|v| Theme::parse(&v)).unwrap_or(Theme::System)
}

#[cfg(not(feature = "ssr"))]
pub fn current() -> Theme {
    #[cfg(feature = "hydrate")]
    if let Some(theme) = leptos::prelude::document().document_element().and_then(|html| html.get_attribute("data-theme")) {
        return Theme::parse(&theme).unwrap_or(Theme::System);
    }
    Theme::System
}

/// Switches the open page at once and remembers the choice.
#[cfg(feature = "hydrate")]
pub fn apply(theme: Theme) {
    use wasm_bindgen::JsCast;
    let document = leptos::prelude::document();
    if let Some(html) = document.document_element() {
        let _ = match theme.attribute() {
            Some(value) => html.set_attribute("data-theme", value),
            None => html.remove_attribute("data-theme"),
        };
    }
    if let Ok(Some(meta)) = document.query_selector("meta[name=color-scheme]") {
        let _ = meta.set_attribute("content", theme.color_scheme());
    }
    for system_dark in [false, true] {
        let media = if system_dark { "dark" } else { "light" };
        if let Ok(Some(meta)) = document.query_selector(&format!("meta[name=theme-color][media*={media}]")) {
            let _ = meta.set_attribute("content", theme.theme_color(system_dark));
        }
    }
    let secure = leptos::prelude::window().location().protocol().is_ok_and(|p| p == "https:");
    if let Ok(document) = document.dyn_into::<web_sys::HtmlDocument>() {
        let _ = document.set_cookie(&theme.cookie(secure));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_clears() {
        for theme in Theme::ALL {
            assert_eq!(Theme::parse(theme.as_str()), Some(theme));
        }
        assert_eq!(Theme::Dark.cookie(true), "usnh_theme=dark; Path=/; Max-Age=31536000; SameSite=Lax; Secure");
        assert!(Theme::System.cookie(false).contains("Max-Age=0"));
        assert_eq!(Theme::System.attribute(), None);
        assert_eq!((Theme::System.theme_color(false), Theme::System.theme_color(true)), ("#ffffff", "#181c25"));
        assert_eq!((Theme::Dark.theme_color(false), Theme::Light.theme_color(true)), ("#181c25", "#ffffff"));
    }
}
