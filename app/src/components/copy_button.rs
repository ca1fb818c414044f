use leptos::prelude::*;

/// Copies `text` to the clipboard; says "Copied" for a moment.
#[component]
pub fn CopyButton(#[prop(into)] text: String, #[prop(optional, into)] label: Option<String>) -> impl IntoView {
    let copied = RwSignal::new(false);
    let label = label.unwrap_or_else(|| "Copy".into());
    #[cfg(not(feature = "hydrate"))]
    let _ = &text;
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let clipboard = window().navigator().clipboard();
            let _ = clipboard.write_text(&text);
            copied.set(true);
            set_timeout(move || copied.set(false), std::time::Duration::from_millis(1500));
        }
    };
    view! {
        <button type="button" class="btn btn-small" on:click=on_click data-testid="copy-button">
            {move || if copied.get() { "Copied".to_string() } else { label.clone() }}
        </button>
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
