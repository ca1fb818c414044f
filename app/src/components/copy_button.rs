use leptos::prelude::*;
use crate::reactive::handler;

/// Copies `text` to the clipboard; says "Copied" (or that it could not)
/// for a moment.
#[component]
pub fn CopyButton(#[prop(into)] text: String, #[prop(optional, into)] label: Option<String>) -> impl IntoView {
    let label = label.unwrap_or_else(|| "Copy".into());
    // What the button says: the server renders only the label.
    let shown = RwSignal::new(label.clone());
    #[cfg(not(feature = "hydrate"))]
    let _ = &text;
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let (text, label) = (text.clone(), label.clone());
            leptos::task::spawn_local(async move {
                shown.set(if clipboard::copy(&text).await { "Copied" } else { "Copy failed" }.to_string());
                set_timeout(move || shown.set(label), std::time::Duration::from_millis(1500));
            });
        }
    };
    view! {
        <button type="button" class="btn btn-small" on:click=handler(on_click) data-testid="copy-button">
            {shown}
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
