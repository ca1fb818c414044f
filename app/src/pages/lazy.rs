//! Every page as a lazily loaded route. Built with `cargo leptos build
//! --split` (as `make run`, `make test` and `make bench` do), each page's
//! code (its views, resources and server-function clients) becomes a WASM
//! chunk fetched when the page is first shown (the server names the
//! current page's chunks in the head), so a visit downloads the shell and
//! its pages, not the whole admin console. Other builds (`cargo leptos
//! watch`) keep one file.
use leptos::prelude::*;
#[cfg(any(not(target_family = "wasm"), wasm_split))]
use leptos_router::lazy_route;
use leptos_router::LazyRoute;

use super::{
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
    api_docs::ApiDocsPage,
    get_number::GetNumberPage,
    home::HomePage,
    policies::PoliciesPage,
    reset_password::ResetPasswordPage,
    sign_in::SignInPage,
    sign_up::SignUpPage,
    support::{SupportPage, TicketPage},
    verify_email::VerifyEmailPage,
    wallet::WalletPage,
};

/// `Route => PageComponent`: a route type whose view is the page, split
/// out. Pages load their own data (their resources are created in the
/// view), so `data` has nothing to start.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        pub struct $route;

        #[cfg(any(not(target_family = "wasm"), wasm_split))]
        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }

        // A client built without `--split` (`cargo leptos watch`) keeps
        // every page in its one file.
        #[cfg(all(target_family = "wasm", not(wasm_split)))]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    )*};
}

lazy_pages! {
    Home => HomePage,
    Policies => PoliciesPage,
    GetNumber => GetNumberPage,
    Wallet => WalletPage,
    Support => SupportPage,
    Ticket => TicketPage,
    Account => AccountPage,
    SignIn => SignInPage,
    SignUp => SignUpPage,
    VerifyEmail => VerifyEmailPage,
    ResetPassword => ResetPasswordPage,
    Admin => AdminShell,
    AdminHome => AdminDashboard,
    AdminUserList => AdminUsers,
    AdminUserDetail => AdminUser,
    AdminWalletList => AdminWallets,
    AdminCatalogueEditor => AdminCatalogue,
    AdminSupplyPage => AdminSupply,
    AdminSupportList => AdminSupport,
    AdminTicketPage => AdminTicket,
    AdminAuditLog => AdminAudit,
    AdminSecurityLog => AdminSecurity,
    ApiDocs => ApiDocsPage,
}
