use leptos::prelude::*;
use crate::components::page_title::PageTitle;

/// The 404 page. On the server it also sets the response status.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(axum::http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <PageTitle text="Page not found" />
        <section class="card narrow center" data-testid="not-found">
            <h1>"Page not found"</h1>
            <p class="muted">"There is nothing at this address. It may have moved, or the link has a typo."</p>
            <p>
                <a class="btn btn-primary" href="/">"Go to the home page"</a>
                " "
                <a class="btn" href="/policies">"Read our policies"</a>
            </p>
        </section>
    }
}
