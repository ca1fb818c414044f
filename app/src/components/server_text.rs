//! Long fixed text (the policies, the API docs) that only the server
//! renders. The browser keeps the server's HTML when it hydrates the page
//! and, on a page reached in the app, asks the server for it. Compiled
//! into the WASM, the policies alone were some 9 KB gzip of every public
//! page's first visit (BENCHMARKS.md, session 59); nothing in them reacts.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::components::form::ActionError;
use crate::error::AppError;
use crate::wire::Sender;

/// Which text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Text {
    Policies,
    ApiDocs,
}

/// The text's HTML, as the pages render it.
#[server(endpoint = "page_text", protocol = crate::wire::Wire)]
pub async fn page_text(text: Text) -> Result<String, AppError> {
    let site = use_context::<std::sync::Arc<crate::site_info::SiteInfo>>().map(|s| (*s).clone()).unwrap_or_default();
    Ok(Owner::new().with(|| render(text, site)))
}

#[cfg(feature = "ssr")]
fn render(text: Text, site: crate::site_info::SiteInfo) -> String {
    match text {
        Text::Policies => crate::pages::policies::policy_text(site).to_html(),
        Text::ApiDocs => crate::pages::api_docs::api_text(site).to_html(),
    }
}

/// `text` inside a `<div class=class>`.
#[component]
pub fn ServerText(text: Text, #[prop(optional)] class: &'static str) -> impl IntoView {
    let fetch = Sender::<PageText>::new();
    #[cfg(feature = "ssr")]
    let rendered = render(text, crate::site_info::use_site_info());
    #[cfg(not(feature = "ssr"))]
    let rendered = String::new();
    let html = move || fetch.value().get().and_then(Result::ok).unwrap_or_else(|| rendered.clone());
    let node = NodeRef::<leptos::html::Div>::new();
    // Hydrating, the element holds the server's text, which stays; built
    // in the browser, it is empty until the server's answer.
    #[cfg(feature = "hydrate")]
    crate::reactive::effect(move || {
        if node.get_untracked().is_some_and(|el| el.child_element_count() == 0) {
            fetch.dispatch(PageText { text });
        }
    });
    // A link to one of its sections (/policies#refunds) came before the
    // section did: go there once it is shown.
    #[cfg(feature = "hydrate")]
    crate::reactive::effect(move || {
        if fetch.value().succeeded() {
            request_animation_frame(scroll_to_hash);
        }
    });
    view! {
        <div class=class node_ref=node inner_html=html></div>
        <ActionError value=fetch.value() />
    }
}

#[cfg(feature = "hydrate")]
fn scroll_to_hash() {
    let hash = window().location().hash().unwrap_or_default();
    if let Some(section) = hash.strip_prefix('#').filter(|id| !id.is_empty()).and_then(|id| document().get_element_by_id(id)) {
        section.scroll_into_view();
    }
}
