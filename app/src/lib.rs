//! The US Num Hub application: pages, components, server functions and the
//! domain types shared by the server and the WASM client.
#![recursion_limit = "256"]

pub mod account;
pub mod admin_api;
pub mod admin_dashboard;
pub mod admin_users;
pub mod api_keys;
pub mod auth;
pub mod components;
#[cfg(feature = "ssr")]
pub mod csp;
pub mod domain;
pub mod error;
pub mod get_number;
pub mod number_pool;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod services;
pub mod site_info;
pub mod support;
pub mod wallet;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path,
};

use components::layout::Layout;
use pages::{
    account::AccountPage,
    admin::{
        catalogue::AdminCatalogue,
        dashboard::AdminDashboard,
        logs::{AdminAudit, AdminSecurity},
        supply::AdminSupply,
        support::{AdminSupport, AdminTicket},
        users::{AdminUser, AdminUsers},
        wallets::AdminWallets,
        AdminShell,
    },
    api_docs::ApiDocsPage, get_number::GetNumberPage, home::HomePage, not_found::NotFound,
    policies::PoliciesPage, reset_password::ResetPasswordPage, sign_in::SignInPage, sign_up::SignUpPage,
    support::{SupportPage, TicketPage},
    verify_email::VerifyEmailPage, wallet::WalletPage,
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    csp::set_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
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
    provide_meta_context();
    site_info::provide_site_info();
    auth::provide_viewer();

    view! {
        <Stylesheet id="leptos" href="/pkg/usnumhub.css" />
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("") view=HomePage />
                    <Route path=path!("/policies") view=PoliciesPage />
                    <Route path=path!("/get-number") view=GetNumberPage />
                    <Route path=path!("/wallet") view=WalletPage />
                    <Route path=path!("/support") view=SupportPage />
                    <Route path=path!("/support/:id") view=TicketPage />
                    <Route path=path!("/account") view=AccountPage />
                    <Route path=path!("/sign-in") view=SignInPage />
                    <Route path=path!("/sign-up") view=SignUpPage />
                    <Route path=path!("/verify-email") view=VerifyEmailPage />
                    <Route path=path!("/reset-password") view=ResetPasswordPage />
                    <ParentRoute path=path!("/admin") view=AdminShell>
                        <Route path=path!("") view=AdminDashboard />
                        <Route path=path!("users") view=AdminUsers />
                        <Route path=path!("users/:public_id") view=AdminUser />
                        <Route path=path!("wallets") view=AdminWallets />
                        <Route path=path!("catalogue") view=AdminCatalogue />
                        <Route path=path!("supply") view=AdminSupply />
                        <Route path=path!("support") view=AdminSupport />
                        <Route path=path!("support/:id") view=AdminTicket />
                        <Route path=path!("audit") view=AdminAudit />
                        <Route path=path!("security") view=AdminSecurity />
                    </ParentRoute>
                    <Route path=path!("/docs/api") view=ApiDocsPage />
                </Routes>
            </Layout>
        </Router>
    }
}
