//! The app shell: header with brand and navigation, main area, footer.
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_location;

use crate::auth::{use_viewer, SignOut};
use crate::components::theme_switch::ThemeSwitch;
use crate::components::unread_badge::{Unread, UnreadBadge};
use crate::site_info::use_site_info;
use crate::reactive::handler;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let brand = use_site_info().brand_name;
    let (menu_open, set_menu_open) = signal(false);

    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <div class="container header-row">
                <a href="/" class="brand">
                    <span class="brand-mark" aria-hidden="true">"#"</span>
                    {brand}
                </a>
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
                    <NavLink href="/get-number">"Get Number"</NavLink>
                    <YourNumbersLink />
                    <NavLink href="/wallet">"Wallet"</NavLink>
                    <NavLink href="/policies">"Policies"</NavLink>
                    <SupportLink />
                    <NavLink href="/account">"Account"</NavLink>
                    <ViewerNav />
                </nav>
            </div>
        </header>
        <crate::announcement::AnnouncementBanner />
        <main id="main" class="container main">{children()}</main>
        <Footer />
    }
}

/// A link of the site's menus, marked `aria-current="page"` while its page
/// is shown (or, unless `exact`, a page under it). Leptos's `<A>` does the
/// same and also resolves relative paths, which ours never are, through a
/// memo per link on every page the server renders; in the WASM it weighed
/// 5 KB gzip of every first visit.
#[component]
pub fn NavLink(href: &'static str, #[prop(optional)] exact: bool, children: Children) -> impl IntoView {
    let location = use_location();
    let current = move || location.pathname.with(|path| shows(path, href, exact)).then_some("page");
    view! { <a href=href aria-current=current>{children()}</a> }
}

/// Whether the page at `path` is the one `href` links to (or under it).
fn shows(path: &str, href: &str, exact: bool) -> bool {
    path == href || (!exact && href != "/" && path.strip_prefix(href).is_some_and(|rest| rest.starts_with('/')))
}

/// "Your numbers" (every number rented and its texts), once signed in.
#[component]
fn YourNumbersLink() -> impl IntoView {
    let viewer = use_viewer();
    move || viewer.get().map(|_| view! { <NavLink href="/numbers">"Your numbers"</NavLink> })
}

/// "Support", with the number of tickets that have an unread reply for
/// a signed-in customer.
#[component]
fn SupportLink() -> impl IntoView {
    let viewer = use_viewer();
    view! {
        <NavLink href="/support">
            "Support"
            {move || viewer.get().map(|_| view! { <UnreadBadge of=Unread::MyTickets /> })}
        </NavLink>
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
            {v.role.console_home().map(|home| view! { <NavLink href=home>"Admin"</NavLink> })}
            <form method="post" action=SignOut::url() class="inline-form">
                <button type="submit" class="btn btn-small" data-testid="sign-out">"Sign out"</button>
            </form>
        }
        .into_any(),
        None => view! { <NavLink href="/sign-in">"Sign in"</NavLink> }.into_any(),
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

#[cfg(test)]
mod tests {
    use super::shows;

    #[test]
    fn a_menu_link_is_current_on_its_page_and_under_it() {
        assert!(shows("/account", "/account", false));
        assert!(shows("/account/api-keys", "/account", false));
        assert!(!shows("/accounts", "/account", false), "a longer name is another page");
        assert!(!shows("/account/api-keys", "/account", true), "exact: only the page itself");
        assert!(shows("/", "/", false));
        assert!(!shows("/wallet", "/", false), "the home page is not every page's parent");
    }
}
