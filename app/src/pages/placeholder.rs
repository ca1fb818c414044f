use leptos::prelude::*;
use crate::components::page_title::PageTitle;

/// Shown for the customer pages until accounts exist: they all need a
/// signed-in customer.
#[component]
pub fn SignInRequired(title: &'static str) -> impl IntoView {
    view! {
        <PageTitle text=title />
        <section class="card narrow">
            <h1>{title}</h1>
            <div class="alert alert-info">
                "Sign-in opens soon. This page needs an account, and accounts are not open yet."
            </div>
            <p>"Meanwhile you can read how the service works on the " <a href="/policies">"Policies"</a> " page."</p>
        </section>
    }
}
