//! A notification when a code arrives while the tab is hidden: the
//! customer is typing the number into the other app by then. Asked for by
//! a button (browsers ask only after a click); the browser keeps the
//! answer for the site. Shown through our service worker (`public/sw.js`)
//! where there is one: Chrome on Android shows no other kind, and a tap
//! on it brings the Get Number page back.
use leptos::prelude::*;
use crate::reactive::handler;

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

/// The browser's service workers; absent outside secure contexts (plain
/// HTTP on a LAN) and in some private modes.
#[cfg(feature = "hydrate")]
fn workers() -> Option<web_sys::ServiceWorkerContainer> {
    let navigator = leptos::prelude::window().navigator();
    let present = web_sys::js_sys::Reflect::get(&navigator, &"serviceWorker".into()).is_ok_and(|w| !w.is_undefined());
    present.then(|| navigator.service_worker())
}

/// Registers the worker once notifications are allowed (again on each
/// visit: the browser keeps one). A failure leaves the page's own kind.
#[cfg(feature = "hydrate")]
fn register_worker() {
    if let Some(promise) = workers().map(|w| w.register("/sw.js")) {
        leptos::task::spawn_local(async move {
            if let Err(e) = wasm_bindgen_futures::JsFuture::from(promise).await {
                leptos::logging::warn!("no service worker for notifications: {e:?}");
            }
        });
    }
}

/// "Notify me when the code arrives", beside a lease waiting for its code.
#[component]
pub fn CodeAlertsButton() -> impl IntoView {
    // Known only once hydrated: the page hydrates as the server drew it.
    let state = RwSignal::new(Permission::Unavailable);
    #[cfg(feature = "hydrate")]
    crate::reactive::effect(move || {
        let now = permission();
        if now == Permission::Granted {
            register_worker();
        }
        state.set(now);
    });
    let ask = move |_| {
        #[cfg(feature = "hydrate")]
        if let Ok(answer) = web_sys::Notification::request_permission() {
            leptos::task::spawn_local(async move {
                let _ = wasm_bindgen_futures::JsFuture::from(answer).await;
                let now = permission();
                if now == Permission::Granted {
                    register_worker();
                }
                state.set(now);
            });
        }
    };
    move || match state.get() {
        Permission::Ask => Some(
            view! { <button type="button" class="btn btn-small" data-testid="notify-me" on:click=handler(ask)>"Notify me when the code arrives"</button> }
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
        let title = format!("{platform} code: {code}");
        let options = web_sys::NotificationOptions::new();
        options.set_body(&format!("Your {platform} code is {code}."));
        // A later code replaces the earlier one instead of piling up.
        options.set_tag("usnh-code");
        let Some(workers) = workers() else {
            let _ = web_sys::Notification::new_with_options(&title, &options);
            return;
        };
        leptos::task::spawn_local(async move {
            if show_through_worker(&workers, &title, &options).await.is_err() {
                // No worker yet (its registration failed): the page's own
                // kind, which every browser but Chrome on Android shows.
                let _ = web_sys::Notification::new_with_options(&title, &options);
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (platform, code);
}

#[cfg(feature = "hydrate")]
async fn show_through_worker(
    workers: &web_sys::ServiceWorkerContainer,
    title: &str,
    options: &web_sys::NotificationOptions,
) -> Result<(), wasm_bindgen::JsValue> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let found = JsFuture::from(workers.get_registration()).await?;
    let registration: web_sys::ServiceWorkerRegistration = found.dyn_into()?;
    JsFuture::from(registration.show_notification_with_options(title, options)?).await?;
    Ok(())
}
