use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};

use crate::site_info::use_site_info;

/// Sets the document title to "<page> · <brand>". A public page that
/// search engines and shared links should describe passes `description`:
/// it becomes the meta description and the Open Graph card, and, where the
/// site's address is configured, the canonical address (without query).
// A `Title formatter` at the app root breaks hydration in leptos_meta 0.8,
// so each page sets its whole title.
#[component]
pub fn PageTitle(#[prop(into)] text: String, #[prop(optional, into)] description: MaybeProp<String>) -> impl IntoView {
    let info = use_site_info();
    let full = if text.is_empty() { info.brand_name.clone() } else { format!("{text} · {}", info.brand_name) };
    let card = description.get_untracked().map(|description| {
        let address = info.public_url.as_deref().map(|site| {
            let path = leptos_router::hooks::use_location().pathname.get_untracked();
            format!("{}{path}", site.trim_end_matches('/'))
        });
        view! {
            <Meta name="description" content=description.clone() />
            <Meta property="og:type" content="website" />
            <Meta property="og:site_name" content=info.brand_name />
            <Meta property="og:title" content=full.clone() />
            <Meta property="og:description" content=description />
            {address.map(|address| view! {
                <Link rel="canonical" href=address.clone() />
                <Meta property="og:url" content=address />
            })}
        }
    });
    view! { <Title text=full /> {card} }
}
