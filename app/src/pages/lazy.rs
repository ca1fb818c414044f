//! Every page as a lazily loaded route. Built with `cargo leptos build
//! --split` (as `make run`, `make test` and `make bench` do), each page's
//! code (its views, resources and server-function clients) becomes a WASM
//! chunk fetched when the page is first shown (the server names the
//! current page's chunks in the head), so a visit downloads the shell and
//! its pages, not the whole admin console. Other builds (`cargo leptos
//! watch`) keep one file.
use leptos::prelude::*;
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
    numbers::NumbersPage,
    platform::PlatformPage,
    policies::PoliciesPage,
    reset_password::ResetPasswordPage,
    sign_in::SignInPage,
    sign_up::SignUpPage,
    support::{SupportPage, TicketPage},
    verify_email::VerifyEmailPage,
    wallet::WalletPage,
};

/// `group in frame: Route => PageComponent as view_fn / preload_fn, ...`:
/// route types whose views are split out, one WASM chunk per group (one
/// chunk per page made a first visit fetch some 150 small files), each
/// page drawn inside `frame`. `preload_fn` is the loader `lazy` writes
/// for `view_fn` (`__preload_` + its name).
/// Pages load their own data (their resources are created in the view),
/// so `data` has nothing to start.
macro_rules! lazy_pages {
    ($group:ident in $frame:ident: $($route:ident => $page:ident as $view:ident / $preload:ident),* $(,)?) => {$(
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_this: Self) -> AnyView {
                $view().await
            }

            // Hydration needs the page's code before it starts: the
            // router awaits this first, and `view` is then ready at once.
            async fn preload() {
                #[cfg(wasm_split)]
                $preload().await;
            }
        }

        // Split only when the client is built with `--split`: a client
        // built without it (`cargo leptos watch`) has no chunks to load.
        // One `lazy` attribute for all: a chunk's name includes a hash of
        // where the attribute is written.
        #[cfg_attr(any(not(target_family = "wasm"), wasm_split), lazy($group))]
        async fn $view() -> AnyView {
            $frame(|| $page().into_any())
        }
    )*};
}

/// A page as it is.
fn alone(page: fn() -> AnyView) -> AnyView {
    page()
}

/// An admin console page, inside the console's navigation.
fn in_admin_console(page: fn() -> AnyView) -> AnyView {
    view! { <AdminShell>{page()}</AdminShell> }.into_any()
}

// What visitors see before signing in, except the pages that show the
// platforms: these read the catalogue (a resource, its decoding and views
// over the list), which made every public first visit 31 KB gzip larger
// while they were here (BENCHMARKS.md, session 52).
lazy_pages! { public in alone:
    Policies => PoliciesPage as policies_view / __preload_policies_view,
    SignIn => SignInPage as sign_in_view / __preload_sign_in_view,
    SignUp => SignUpPage as sign_up_view / __preload_sign_up_view,
    VerifyEmail => VerifyEmailPage as verify_email_view / __preload_verify_email_view,
    ResetPassword => ResetPasswordPage as reset_password_view / __preload_reset_password_view,
    ApiDocs => ApiDocsPage as api_docs_view / __preload_api_docs_view,
}

// The shop front: Get Number, where customers spend their visits, with the
// home page and the platforms' pages, which show the same catalogue. Get
// Number's first visit thus skips the other customer pages' code, 29 % of
// what it downloaded (BENCHMARKS.md, session 28); the home and platform
// pages add 4 KB gzip to it.
lazy_pages! { shop in alone:
    GetNumber => GetNumberPage as get_number_view / __preload_get_number_view,
    Home => HomePage as home_view / __preload_home_view,
    Platform => PlatformPage as platform_view / __preload_platform_view,
}

// A customer's other pages.
lazy_pages! { customer in alone:
    Wallet => WalletPage as wallet_view / __preload_wallet_view,
    Support => SupportPage as support_view / __preload_support_view,
    Ticket => TicketPage as ticket_view / __preload_ticket_view,
    Account => AccountPage as account_view / __preload_account_view,
    Numbers => NumbersPage as numbers_view / __preload_numbers_view,
}

// The admin console, each page inside its navigation.
lazy_pages! { admin in in_admin_console:
    AdminHome => AdminDashboard as admin_home_view / __preload_admin_home_view,
    AdminUserList => AdminUsers as admin_user_list_view / __preload_admin_user_list_view,
    AdminUserDetail => AdminUser as admin_user_detail_view / __preload_admin_user_detail_view,
    AdminWalletList => AdminWallets as admin_wallet_list_view / __preload_admin_wallet_list_view,
    AdminCatalogueEditor => AdminCatalogue as admin_catalogue_view / __preload_admin_catalogue_view,
    AdminSupplyPage => AdminSupply as admin_supply_view / __preload_admin_supply_view,
    AdminSupportList => AdminSupport as admin_support_list_view / __preload_admin_support_list_view,
    AdminTicketPage => AdminTicket as admin_ticket_view / __preload_admin_ticket_view,
    AdminAuditLog => AdminAudit as admin_audit_view / __preload_admin_audit_view,
    AdminSecurityLog => AdminSecurity as admin_security_view / __preload_admin_security_view,
}
