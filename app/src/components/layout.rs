//! The app shell: header with brand and navigation, main area, footer.
use crate::reactive::handler;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::A;

use crate::auth::{use_viewer, SignOut};
use crate::components::theme_switch::ThemeSwitch;
use crate::components::unread_badge::{Unread, UnreadBadge};
use crate::site_info::use_site_info;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let brand = use_site_info().brand_name;
    let (menu_open, set_menu_open) = signal(false);

    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <div class="container header-row">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"#"</span>
                    {brand}
                </A>
                <button
                    class="nav-toggle"
                    aria-controls="site-nav"
                    aria-expanded=move || menu_open.get().to_string()
                    on:click=handler(move |_| set_menu_open.update(|open| *open = !*open))
                >
                    <span class="sr-only">"Menu"</span>
                    <span aria-hidden="true">"☰"</span>
                </button>
                <nav
                    id="site-nav"
                    class="site-nav"
                    class:open=menu_open
                    aria-label="Main"
                    on:click=handler(move |_| set_menu_open.set(false))
                >
                    <A href="/get-number">"Get Number"</A>
                    <YourNumbersLink />
                    <A href="/wallet">"Wallet"</A>
                    <A href="/policies">"Policies"</A>
                    <SupportLink />
                    <A href="/account">"Account"</A>
                    <ViewerNav />
                </nav>
            </div>
        </header>
        <crate::announcement::AnnouncementBanner />
        <main id="main" class="container main">{children()}</main>
        <Footer />
    }
}

/// "Your numbers" (every number rented and its texts), once signed in.
#[component]
fn YourNumbersLink() -> impl IntoView {
    let viewer = use_viewer();
    move || viewer.get().map(|_| view! { <A href="/numbers">"Your numbers"</A> })
}

/// "Support", with the number of tickets that have an unread reply for
/// a signed-in customer.
#[component]
fn SupportLink() -> impl IntoView {
    let viewer = use_viewer();
    view! {
        <A href="/support">
            "Support"
            {move || viewer.get().map(|_| view! { <UnreadBadge of=Unread::MyTickets /> })}
        </A>
    }
}

/// Admin link for admins, and sign-in or sign-out.
#[component]
fn ViewerNav() -> impl IntoView {
    // A plain form, not an ActionForm: signing out reloads the whole page,
    // which drops every cached resource, and the main WASM module stays
    // without the action machinery (224 against 257 KB gzip -9).
    let viewer = use_viewer();
    move || match viewer.get() {
        Some(v) => view! {
            {v.role.console_home().map(|home| view! { <A href=home>"Admin"</A> })}
            <form method="post" action=SignOut::url() class="inline-form">
                <button type="submit" class="btn btn-small" data-testid="sign-out">"Sign out"</button>
            </form>
        }
        .into_any(),
        None => view! { <A href="/sign-in">"Sign in"</A> }.into_any(),
    }
}

#[component]
fn Footer() -> impl IntoView {
    let site = use_site_info();
    view! {
        <footer class="site-footer">
            <div class="container footer-row">
                <nav aria-label="Policies" class="footer-links">
                    <a href="/policies#privacy">"Privacy"</a>
                    <a href="/policies#security">"Security"</a>
                    <a href="/policies#terms">"Terms"</a>
                    <a href="/policies#refunds">"Refunds"</a>
                    <a href="/docs/api">"API"</a>
                    <a href="/policies#wallet">"Wallet top-ups"</a>
                    <a href="/policies#contact">"Contact"</a>
                </nav>
                <p class="muted small">
                    "© " {site.brand_name.clone()} " · 18+ only · "
                    <a href=site.whatsapp_link("")>"WhatsApp support"</a>
                </p>
                <ThemeSwitch />
            </div>
        </footer>
    }
}
