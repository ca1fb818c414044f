use leptos::prelude::*;
use leptos_meta::Title;

use crate::site_info::use_site_info;

/// Sets the document title to "<page> · <brand>".
// A `Title formatter` at the app root breaks hydration in leptos_meta 0.8,
// so each page sets its whole title.
#[component]
pub fn PageTitle(#[prop(into)] text: String) -> impl IntoView {
    let brand = use_site_info().brand_name;
    let full = if text.is_empty() { brand } else { format!("{text} · {brand}") };
    view! { <Title text=full /> }
}
