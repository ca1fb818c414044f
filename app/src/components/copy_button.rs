use leptos::prelude::*;
use crate::reactive::handler;

// The server renders only `Ready`; the browser sets the others.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Copy, PartialEq, Eq)]
enum CopyState {
    Ready,
    Done,
    Failed,
}

/// Copies `text` to the clipboard; says "Copied" (or that it could not)
/// for a moment.
#[component]
pub fn CopyButton(#[prop(into)] text: String, #[prop(optional, into)] label: Option<String>) -> impl IntoView {
    let state = RwSignal::new(CopyState::Ready);
    let label = label.unwrap_or_else(|| "Copy".into());
    #[cfg(not(feature = "hydrate"))]
    let _ = &text;
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let text = text.clone();
            leptos::task::spawn_local(async move {
                state.set(if clipboard::copy(&text).await { CopyState::Done } else { CopyState::Failed });
                set_timeout(move || state.set(CopyState::Ready), std::time::Duration::from_millis(1500));
            });
        }
    };
    view! {
        <button type="button" class="btn btn-small" on:click=handler(on_click) data-testid="copy-button">
            {move || match state.get() {
                CopyState::Ready => label.clone(),
                CopyState::Done => "Copied".to_string(),
                CopyState::Failed => "Copy failed".to_string(),
            }}
        </button>
    }
}

#[cfg(feature = "hydrate")]
mod clipboard {
    use leptos::prelude::document;
    use wasm_bindgen::JsCast;
    use web_sys::{HtmlDocument, HtmlElement, HtmlTextAreaElement};

    /// The Clipboard API, else the older selection copy: browsers offer the
    /// API only in secure contexts (HTTPS, localhost), so a plain-HTTP
    /// address on a LAN has none, and calling it there threw.
    pub async fn copy(text: &str) -> bool {
        let navigator = leptos::prelude::window().navigator();
        let has_api = web_sys::js_sys::Reflect::get(&navigator, &"clipboard".into()).is_ok_and(|api| !api.is_undefined());
        if has_api && wasm_bindgen_futures::JsFuture::from(navigator.clipboard().write_text(text)).await.is_ok() {
            return true;
        }
        by_selection(text)
    }

    /// Selects `text` in a hidden field, copies it, and gives the focus back.
    fn by_selection(text: &str) -> bool {
        let document = document();
        let focused = document.active_element().and_then(|e| e.dyn_into::<HtmlElement>().ok());
        let Some(field) = document.create_element("textarea").ok().and_then(|e| e.dyn_into::<HtmlTextAreaElement>().ok()) else {
            return false;
        };
        field.set_value(text);
        field.set_class_name("sr-only");
        let _ = field.set_attribute("readonly", "");
        let Some(body) = document.body() else { return false };
        if body.append_child(&field).is_err() {
            return false;
        }
        field.select();
        let copied = document.dyn_ref::<HtmlDocument>().and_then(|d| d.exec_command("copy").ok()).unwrap_or(false);
        field.remove();
        if let Some(element) = focused {
            let _ = element.focus();
        }
        copied
    }
}
/// The public user ID with its copy button.
#[component]
pub fn PublicIdBadge(#[prop(into)] public_id: String) -> impl IntoView {
    view! {
        <span class="public-id">
            <code data-testid="public-id">{public_id.clone()}</code>
            " "
            <CopyButton text=public_id />
        </span>
    }
}
