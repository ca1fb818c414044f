//! A desktop notification when a code arrives while the tab is hidden:
//! the customer is typing the number into the other app by then. Asked
//! for by a button (browsers ask only after a click); the browser keeps
//! the answer for the site.
use leptos::prelude::*;

// The server only ever draws `Unavailable`.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Permission {
    /// No notifications here, or not known yet (while the server renders).
    Unavailable,
    Ask,
    Granted,
    Denied,
}

#[cfg(feature = "hydrate")]
fn permission() -> Permission {
    use web_sys::{Notification, NotificationPermission};
    // Not every browser has them (Safari on iOS outside an installed app).
    let window = leptos::prelude::window();
    let present = web_sys::js_sys::Reflect::get(&window, &"Notification".into()).is_ok_and(|n| !n.is_undefined());
    if !present {
        return Permission::Unavailable;
    }
    match Notification::permission() {
        NotificationPermission::Granted => Permission::Granted,
        NotificationPermission::Denied => Permission::Denied,
        _ => Permission::Ask,
    }
}

/// "Notify me when the code arrives", beside a lease waiting for its code.
#[component]
pub fn CodeAlertsButton() -> impl IntoView {
    // Known only once hydrated: the page hydrates as the server drew it.
    let state = RwSignal::new(Permission::Unavailable);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| state.set(permission()));
    let ask = move |_| {
        #[cfg(feature = "hydrate")]
        if let Ok(answer) = web_sys::Notification::request_permission() {
            leptos::task::spawn_local(async move {
                let _ = wasm_bindgen_futures::JsFuture::from(answer).await;
                state.set(permission());
            });
        }
    };
    move || match state.get() {
        Permission::Ask => Some(
            view! { <button type="button" class="btn btn-small" data-testid="notify-me" on:click=ask>"Notify me when the code arrives"</button> }
                .into_any(),
        ),
        Permission::Granted => {
            Some(view! { <span class="muted small" data-testid="notify-on">"This browser will notify you when the code arrives."</span> }.into_any())
        }
        Permission::Denied | Permission::Unavailable => None,
    }
}

/// Shows the code as a notification when the tab is hidden and the
/// customer allowed notifications; otherwise the page shows it.
pub fn notify_code(platform: &str, code: &str) {
    #[cfg(feature = "hydrate")]
    {
        if !document().hidden() || permission() != Permission::Granted {
            return;
        }
        let options = web_sys::NotificationOptions::new();
        options.set_body(&format!("Your {platform} code is {code}."));
        // A later code replaces the earlier one instead of piling up.
        options.set_tag("usnh-code");
        // Chrome on Android refuses notifications made without a service
        // worker: the page and its title still show the code there.
        let _ = web_sys::Notification::new_with_options(&format!("{platform} code: {code}"), &options);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (platform, code);
}
