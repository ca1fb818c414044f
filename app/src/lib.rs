//! The US Num Hub application: pages, components, server functions and the
//! domain types shared by the server and the WASM client.
#![recursion_limit = "256"]

pub mod account;
pub mod admin_api;
pub mod admin_dashboard;
pub mod admin_users;
pub mod announcement;
pub mod api_keys;
pub mod auth;
pub mod components;
pub mod domain;
pub mod error;
pub mod get_number;
pub mod number_pool;
pub mod pages;
pub mod reactive;
#[cfg(feature = "ssr")]
pub mod services;
pub mod site_info;
pub mod staff_notes;
pub mod support;
pub mod theme;
pub mod top_up_requests;
pub mod two_step;
pub mod wallet;
pub mod wire;

use leptos::prelude::*;
use leptos_meta::MetaTags;
use leptos_router::{
    components::{FlatRoutes, Route, RouteChildren, Router},
    path, MatchNestedRoutes, PossibleRouteMatch, SsrMode,
};

use components::layout::Layout;
use pages::{lazy::*, not_found::NotFound};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let theme = theme::current();
    // `media` on <meta> is not in the view macro's list for that element.
    let theme_color = move |dark: bool| {
        let media = if dark { "(prefers-color-scheme: dark)" } else { "(prefers-color-scheme: light)" };
        view! { <meta name="theme-color" content=theme.theme_color(dark) /> }
            .add_any_attr(leptos::tachys::html::attribute::custom::custom_attribute("media", media))
    };
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=theme.attribute()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content=theme.color_scheme() />
                {theme_color(false)}
                {theme_color(true)}
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="apple-touch-icon" href="/apple-touch-icon.png" />
                // Here rather than leptos_meta's `Stylesheet` in the app: the
                // browser need not render it (3 KB gzip of the main module),
                // and page titles' server-only cards rely on it (page_title.rs).
                // `cargo leptos watch` swaps it by its address.
                <link id="leptos" rel="stylesheet" href="/pkg/usnumhub.css" />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    // Only the server's head is written through leptos_meta; the browser
    // sets its title itself (`components::page_title`).
    #[cfg(feature = "ssr")]
    leptos_meta::provide_meta_context();
    site_info::provide_site_info();
    auth::provide_viewer();
    components::unread_badge::BadgeRecount::provide();
    components::staff_news::StaffNews::provide();

    view! {
        <Router>
            <Layout>
                // Flat routes (the admin pages draw their console frame
                // themselves): nested routing took 46 KB of the WASM main
                // module that every page loads.
                <FlatRoutes fallback=NotFound children=RouteChildren::to_children(routes) />
            </Layout>
        </Router>
    }
}

/// A route's path behind one type, so that the browser compiles the route
/// machinery (matching, erasing) once rather than once per path shape.
fn at(path: impl PossibleRouteMatch + Send + Sync + 'static) -> std::sync::Arc<dyn PossibleRouteMatch + Send + Sync> {
    std::sync::Arc::new(path)
}

/// Every page's address and view. Its own function because the browser
/// also matches the address against it before hydrating, to load the
/// page's code first (`pages::lazy::load_page_code`).
pub fn routes() -> impl MatchNestedRoutes + Clone {
    // A customer's pages are their data (`SsrMode::Async`): rendered whole
    // once it is read (a few milliseconds), in one write instead of a
    // stream of fragments (about a fifth more pages per second).
    view! {
        <Route path=at(path!("")) view=Page::Shop(Shop::Home) />
        <Route path=at(path!("/policies")) view=Page::Public(Public::Policies) />
        // Rendered whole: an unknown platform answers 404.
        <Route path=at(path!("/platforms/:slug")) view=Page::Shop(Shop::Platform) ssr=SsrMode::Async />
        <Route path=at(path!("/get-number")) view=Page::Shop(Shop::GetNumber) ssr=SsrMode::Async />
        <Route path=at(path!("/wallet")) view=Page::Customer(Customer::Wallet) ssr=SsrMode::Async />
        <Route path=at(path!("/numbers")) view=Page::Customer(Customer::Numbers) ssr=SsrMode::Async />
        <Route path=at(path!("/support")) view=Page::Help(Help::Support) ssr=SsrMode::Async />
        <Route path=at(path!("/support/:id")) view=Page::Help(Help::Ticket) ssr=SsrMode::Async />
        <Route path=at(path!("/account")) view=Page::Help(Help::Account) ssr=SsrMode::Async />
        <Route path=at(path!("/sign-in")) view=Page::Public(Public::SignIn) />
        <Route path=at(path!("/sign-up")) view=Page::Public(Public::SignUp) />
        <Route path=at(path!("/verify-email")) view=Page::Public(Public::VerifyEmail) />
        <Route path=at(path!("/reset-password")) view=Page::Public(Public::ResetPassword) />
        <Route path=at(path!("/admin")) view=Page::Admin(Admin::Home) />
        <Route path=at(path!("/admin/users")) view=Page::Admin(Admin::Users) />
        <Route path=at(path!("/admin/users/:public_id")) view=Page::Admin(Admin::User) />
        <Route path=at(path!("/admin/wallets")) view=Page::Admin(Admin::Wallets) />
        <Route path=at(path!("/admin/catalogue")) view=Page::Admin(Admin::Catalogue) />
        <Route path=at(path!("/admin/supply")) view=Page::Admin(Admin::Supply) />
        <Route path=at(path!("/admin/support")) view=Page::Admin(Admin::SupportList) />
        <Route path=at(path!("/admin/support/:id")) view=Page::Admin(Admin::Ticket) />
        <Route path=at(path!("/admin/audit")) view=Page::Admin(Admin::Audit) />
        <Route path=at(path!("/admin/security")) view=Page::Admin(Admin::Security) />
        <Route path=at(path!("/docs/api")) view=Page::Public(Public::ApiDocs) />
    }
    .into_inner()
}
