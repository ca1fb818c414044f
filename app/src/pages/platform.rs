//! `/platforms/<slug>`: one platform's offer, for visitors who search for a
//! number for that platform or follow a link the operator shared. Its
//! button leads to Get Number with the platform chosen.
use leptos::prelude::*;
use crate::components::loading::Loading;
use crate::reactive::CollectAny;
use leptos_router::hooks::use_params_map;

use crate::components::page_title::PageTitle;
use crate::domain::platform::is_catch_all;
use crate::get_number::{ListPlatforms, PlatformView};
use crate::pages::{get_number::get_number_href, not_found::NotFound};

/// The address of a platform's page (the sitemap lists it too).
pub fn platform_page_href(slug: &str) -> String {
    format!("/platforms/{slug}")
}

#[component]
pub fn PlatformPage() -> impl IntoView {
    let params = use_params_map();
    // The catalogue is cached on the server: the whole list costs no more
    // than one platform, and gives the links to the others.
    let platforms = crate::wire::resource(|| (), |_| ListPlatforms {});
    view! {
        <Loading fallback=|| view! { <p>"Loading…"</p> }>
            {move || platforms.get().map(|r| {
                let slug = params.with(|p| p.get("slug").unwrap_or_default());
                match r.map(|all| (all.iter().find(|p| p.slug == slug).cloned(), all)) {
                    Ok((Some(platform), all)) => view! { <Offer platform others=all /> }.into_any(),
                    Ok((None, _)) => view! { <NotFound /> }.into_any(),
                    Err(e) => crate::components::form::error_alert(&e),
                }
            })}
        </Loading>
    }
}

#[component]
fn Offer(platform: PlatformView, others: Vec<PlatformView>) -> impl IntoView {
    let PlatformView { slug, name, price, lease_minutes, code_rate, available, .. } = platform;
    // The catch-all ("Other") is for sites without an entry of their own.
    let (site, sites) = if is_catch_all(&slug) { ("the site".to_owned(), "any other site".to_owned()) } else { (name.clone(), name.clone()) };
    let description = format!(
        "A temporary US phone number for {sites}: receive the verification SMS and read the code online. {price} for {lease_minutes} minutes, refunded if no code arrives."
    );
    let others: Vec<_> = others.into_iter().filter(|p| p.slug != slug).collect();
    view! {
        <PageTitle text=format!("US number for {sites}") description />
        <section class="hero" data-testid="platform-offer">
            <h1>"A US number for " {sites.clone()} " codes"</h1>
            <p class="lead">"Receive the one-time code " {sites.clone()} " sends by SMS on a temporary US number, and read it on your dashboard."</p>
            <dl class="details">
                <dt>"Price"</dt><dd data-testid="platform-price">{price.to_string()}</dd>
                <dt>"Lease window"</dt><dd>{lease_minutes} " minutes"</dd>
                {code_rate.map(|rate| view! { <dt>"Recent leases"</dt><dd>{rate.to_string()}</dd> })}
                <dt>"Numbers"</dt>
                <dd data-testid="platform-available">
                    {if available { "Available now" } else { "None available right now: on Get Number, ask to be emailed when there are." }}
                </dd>
            </dl>
            <p>
                <a class="btn btn-primary" data-testid="platform-get" href=get_number_href(&slug, None)>
                    "Get a number for " {sites.clone()}
                </a>
                " "
                <a class="btn" href="/policies">"How refunds work"</a>
            </p>
        </section>
        <section class="card">
            <h2>"How it works"</h2>
            <ol>
                <li>"Sign in, recharge your wallet, and confirm a number for " {sites} " at the price above."</li>
                <li>"Enter the number on " {site} " and ask it for the code."</li>
                <li>"The code appears on your dashboard within the window. No code in time, or you cancel before one arrives: the fee goes back to your wallet."</li>
            </ol>
        </section>
        {(!others.is_empty()).then(|| view! {
            <section class="card">
                <h2>"Other platforms"</h2>
                <ul class="link-list" data-testid="other-platforms">
                    {others.into_iter().map(|p| view! {
                        <li><a href=platform_page_href(&p.slug)>{p.name}</a> " " <span class="muted small">{p.price.to_string()}</span></li>
                    }).collect_any()}
                </ul>
            </section>
        })}
    }
}
