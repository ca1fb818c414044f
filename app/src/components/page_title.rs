use leptos::prelude::*;
use leptos_meta::Title;

use crate::site_info::use_site_info;

/// Sets the document title to "<page> · <brand>".
// A `Title formatter` at the app root breaks hydration in leptos_meta 0.8,
// so each page sets its whole title, once the site info is there.
#[component]
pub fn PageTitle(#[prop(into)] text: String) -> impl IntoView {
    let site = use_site_info();
    view! {
        <Transition fallback=|| ()>
            {
                let text = text.clone();
                move || {
                    let brand = site
                        .get()
                        .and_then(|r| r.ok())
                        .map(|s| s.brand_name)
                        .unwrap_or_else(|| "US Num Hub".into());
                    let full = if text.is_empty() { brand } else { format!("{text} · {brand}") };
                    view! { <Title text=full /> }
                }
            }
        </Transition>
    }
}
