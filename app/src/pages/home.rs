use leptos::prelude::*;
use crate::components::loading::Loading;
use crate::reactive::CollectAny;
use crate::components::page_title::PageTitle;

use crate::get_number::ListPlatforms;
use crate::pages::platform::platform_page_href;
use crate::site_info::use_site_info;

#[component]
pub fn HomePage() -> impl IntoView {
    let lease = use_site_info().default_lease_minutes.to_string();
    let platforms = crate::wire::resource(|| (), |_| ListPlatforms {});
    view! {
        <PageTitle text="" description="Rent a temporary US phone number for one platform, receive the SMS code online and pay from a prepaid wallet. No code, no charge." />
        <section class="hero">
            <h1>"A US number for your one-time code"</h1>
            <p class="lead">
                "Rent a temporary US phone number for one platform, receive the SMS code in your dashboard, and pay only from your prepaid wallet."
            </p>
            <p>
                <a class="btn btn-primary" href="/get-number">"Get a number"</a>
                " "
                <a class="btn" href="/get-number">"Prices"</a>
                " "
                <a class="btn" href="/policies">"How refunds work"</a>
            </p>
        </section>
        <section class="steps">
            <ol class="grid-3">
                <li class="card">
                    <h3>"1. Choose the platform"</h3>
                    <p>"WhatsApp, Telegram, Google and more. You see the price and the lease window before you confirm."</p>
                </li>
                <li class="card">
                    <h3>"2. Use the number"</h3>
                    <p>
                        "Enter the number on the platform. The lease lasts "
                        {lease}
                        " minutes by default, with a countdown."
                    </p>
                </li>
                <li class="card">
                    <h3>"3. Read the code"</h3>
                    <p>"The code appears on your dashboard. No code before the lease ends? The fee goes back to your wallet automatically."</p>
                </li>
            </ol>
        </section>
        // Each platform's page: its price, window and record.
        <Loading fallback=|| ()>
            {move || platforms.get().and_then(|r| r.ok()).map(|list| view! {
                <section class="card">
                    <h2>"Numbers for"</h2>
                    <ul class="link-list" data-testid="home-platforms">
                        {list.into_iter().map(|p| view! { <li><a href=platform_page_href(&p.slug)>{p.name}</a></li> }).collect_any()}
                    </ul>
                </section>
            })}
        </Loading>
    }
}
