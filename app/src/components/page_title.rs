use leptos::prelude::*;

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
    let description = description.get_untracked();
    // The card is read from the server's HTML (search engines, link
    // previews), so only the server renders it: leptos_meta's `Meta` and
    // `Link` cost 8 KB gzip of the WASM every page loads (BENCHMARKS.md,
    // session 52). Rendering it hands its tags to the head and leaves
    // nothing in the page, whose hydration thus matches the browser's. The
    // browser drops the card when its page is left, so that a page reached
    // in the app never shows another page's canonical address (Chrome
    // shares that address). The browser renders none of it, which is
    // safe while no head tag after it is hydrated by leptos_meta (its
    // `Meta`, `Link` or `Stylesheet`, matched in order): the stylesheet
    // link is in the shell for that reason.
    #[cfg(feature = "ssr")]
    if let Some(description) = description {
        card(&info.brand_name, info.public_url.as_deref(), &full, description).to_html();
    }
    #[cfg(feature = "hydrate")]
    if description.is_some() {
        on_cleanup(remove_card);
    }
    show_title(full);
}

/// Shows `text` as the document's title while the calling view lives; the
/// latest shown wins, and the one under it comes back when it goes (Get
/// Number's "Code 123456" over the page's own title). The server hands it
/// to leptos_meta, which writes the head; the browser keeps its own list
/// instead of leptos_meta's title views (BENCHMARKS.md, session 63).
pub fn show_title(text: String) {
    // Calling the component registers the title with the server's meta
    // context; its view renders nothing, so it is not needed.
    #[cfg(feature = "ssr")]
    let _ = leptos_meta::Title(leptos_meta::TitleProps::builder().text(text).build());
    #[cfg(feature = "hydrate")]
    browser_title::show(text);
}

#[cfg(feature = "hydrate")]
mod browser_title {
    use std::cell::{Cell, RefCell};

    thread_local! {
        static SHOWN: RefCell<Vec<(u64, String)>> = const { RefCell::new(Vec::new()) };
        static NEXT: Cell<u64> = const { Cell::new(0) };
    }

    pub fn show(text: String) {
        let id = NEXT.replace(NEXT.get() + 1);
        SHOWN.with_borrow_mut(|shown| shown.push((id, text)));
        apply();
        // Removed by id: on a navigation the new page's title may come
        // before or after the old page's goes.
        leptos::prelude::on_cleanup(move || {
            SHOWN.with_borrow_mut(|shown| shown.retain(|(shown_id, _)| *shown_id != id));
            apply();
        });
    }

    fn apply() {
        SHOWN.with_borrow(|shown| {
            if let Some((_, text)) = shown.last() {
                leptos::prelude::document().set_title(text);
            }
        });
    }
}

#[cfg(feature = "ssr")]
fn card(brand: &str, site: Option<&str>, title: &str, description: String) -> impl IntoView + use<> {
    use leptos_meta::{Link, Meta};
    let address = site.map(|site| {
        let path = leptos_router::hooks::use_location().pathname.get_untracked();
        format!("{}{path}", site.trim_end_matches('/'))
    });
    view! {
        <Meta name="description" content=description.clone() />
        <Meta property="og:type" content="website" />
        <Meta property="og:site_name" content=brand.to_owned() />
        <Meta property="og:title" content=title.to_owned() />
        <Meta property="og:description" content=description />
        // A summary card: the square icon beside the text. Cards need
        // absolute addresses, known only with the site's.
        <Meta name="twitter:card" content="summary" />
        {site.map(|site| view! {
            <Meta property="og:image" content=format!("{}/icon-512.png", site.trim_end_matches('/')) />
            <Meta property="og:image:width" content="512" />
            <Meta property="og:image:height" content="512" />
            <Meta property="og:image:alt" content=format!("{brand} logo") />
        })}
        {address.map(|address| view! {
            <Meta property="og:url" content=address.clone() />
            <Link rel="canonical" href=address />
        })}
    }
}

/// The server's card, from the head.
#[cfg(feature = "hydrate")]
fn remove_card() {
    let document = document();
    while let Ok(Some(tag)) =
        document.query_selector(r#"head meta[name="description"], head meta[name^="twitter:"], head meta[property^="og:"], head link[rel="canonical"]"#)
    {
        tag.remove();
    }
}
