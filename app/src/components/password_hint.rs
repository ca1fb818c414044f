//! The live hint under a new password field (sign-up, password reset):
//! what the server would say of the password as it is typed.
//!
//! The common passwords are fetched from the server when such a page is
//! shown instead of being built into the WASM (see `domain::password`).
//! Until they arrive, and without scripts, the hint skips that one rule;
//! the server checks it on submit all the same.
use leptos::prelude::*;

use crate::domain::NewPassword;

/// `username` is the account's when the form has one; `email` the form's.
pub fn password_hint(password: RwSignal<String>, username: Option<RwSignal<String>>, email: RwSignal<String>) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static {
    let common = common_passwords();
    move || {
        let pw = password.get();
        if pw.is_empty() {
            return None;
        }
        let username = username.map(|u| u.get());
        common.with(|list| NewPassword::parse_against(list, &pw, username.as_deref(), Some(&email.get())).err())
    }
}

/// The list as text, empty until the browser has it.
fn common_passwords() -> RwSignal<String> {
    let list = RwSignal::new(String::new());
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        if let Some(text) = fetch_list().await {
            // The page may be gone by now.
            let _ = list.try_set(text);
        }
    });
    list
}

#[cfg(feature = "hydrate")]
async fn fetch_list() -> Option<String> {
    use leptos::{wasm_bindgen::JsCast, web_sys};
    use wasm_bindgen_futures::JsFuture;

    let answer = JsFuture::from(web_sys::window()?.fetch_with_str(crate::domain::COMMON_PASSWORDS_PATH)).await.ok()?;
    let response: web_sys::Response = answer.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    JsFuture::from(response.text().ok()?).await.ok()?.as_string()
}
