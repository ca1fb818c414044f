//! Every page as a lazily loaded route. Built with `cargo leptos build
//! --split` (as `make run`, `make test` and `make bench` do), each page's
//! code (its views, resources and server-function clients) becomes a WASM
//! chunk fetched when the page is first shown (the server names the
//! current page's chunks in the head), so a visit downloads the shell and
//! its pages, not the whole admin console. Other builds (`cargo leptos
//! watch`) keep one file.
use leptos::prelude::*;
use leptos_router::{ChooseView, MatchInterface, RouteDefs};

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

/// `group: Group in frame, view_fn / preload_fn: Variant => PageComponent, ...`:
/// a group of pages whose code is split out, one WASM chunk per group (one
/// chunk per page made a first visit fetch some 150 small files). `group`
/// names the chunk (`split_<group>.wasm`); `Group` names its pages;
/// `view_fn` draws one inside `frame`, or fails when the chunk cannot be
/// loaded; `preload_fn` loads the chunk.
/// Pages load their own data (their resources are created in the view).
///
/// This is leptos's `#[lazy]` written out, with wasm-split's `fallible`:
/// under `#[lazy]` a chunk that failed to load (a dropped connection, a
/// page left while loading, or a chunk of a newer release, which wasm-split
/// refuses) panicked, and the app stopped on the page it was leaving.
macro_rules! lazy_pages {
    ($group:ident: $Group:ident in $frame:ident, $view:ident / $preload:ident: $($variant:ident => $page:ident),* $(,)?) => {
        #[derive(Clone, Copy)]
        pub enum $Group {
            $($variant),*
        }

        // The server names the group's chunks in the page's head, for the
        // browser to fetch them at once.
        #[cfg(not(target_family = "wasm"))]
        async fn $view(page: $Group) -> Result<AnyView, CodeNotLoaded> {
            leptos::prefetch_lazy_fn_on_server(stringify!($group));
            Ok($Group::draw(page))
        }

        // A client built without `--split` (`cargo leptos watch`) has no
        // chunks to load.
        #[cfg(all(target_family = "wasm", not(wasm_split)))]
        async fn $view(page: $Group) -> Result<AnyView, CodeNotLoaded> {
            Ok($Group::draw(page))
        }

        // A split point: the body moves to the chunk, which the wrapper
        // loads first. Across the split the function is a plain one that
        // returns its future boxed.
        #[cfg(all(target_family = "wasm", wasm_split))]
        #[leptos::wasm_split::wasm_split(
            $group,
            wasm_split_path = ::leptos::wasm_split,
            preload(#[allow(non_snake_case)] $preload),
            fallible,
            return_wrapper(let future = _; { future.await } -> Result<AnyView, CodeNotLoaded>),
        )]
        fn $view(page: $Group) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<AnyView, CodeNotLoaded>> + Send + Sync>> {
            Box::pin(leptos::__reexports::send_wrapper::SendWrapper::new(async move { Ok($Group::draw(page)) }))
        }

        impl $Group {
            fn draw(self) -> AnyView {
                let page: fn() -> AnyView = match self {
                    $($Group::$variant => || $page().into_any()),*
                };
                $frame(page)
            }
        }
    };
}

/// A page group's chunk could not be loaded.
#[derive(Debug)]
pub struct CodeNotLoaded;

#[cfg(wasm_split)]
impl From<leptos::wasm_split::SplitLoaderError> for CodeNotLoaded {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        CodeNotLoaded
    }
}

/// A page the router shows, as the `view` of its route. One type for every
/// route: leptos's `Lazy<T>` compiled the router's choosing and preloading
/// once for each of the 24 pages, in the main module every visit loads.
#[derive(Clone, Copy)]
pub enum Page {
    Public(Public),
    Shop(Shop),
    Customer(Customer),
    Help(Help),
    Admin(Admin),
}

impl ChooseView for Page {
    async fn choose(self) -> AnyView {
        let drawn = match self {
            Page::Public(page) => public_view(page).await,
            Page::Shop(page) => shop_view(page).await,
            Page::Customer(page) => customer_view(page).await,
            Page::Help(page) => help_view(page).await,
            Page::Admin(page) => admin_view(page).await,
        };
        match drawn {
            Ok(page) => page,
            Err(CodeNotLoaded) => load_in_full().await,
        }
    }

    // Hydration needs the page's code before it starts: the browser awaits
    // this first (`load_page_code`), and `choose` is then ready at once.
    async fn preload(&self) {
        #[cfg(wasm_split)]
        {
            let loaded = match self {
                Page::Public(_) => __preload_public_view().await,
                Page::Shop(_) => __preload_shop_view().await,
                Page::Customer(_) => __preload_customer_view().await,
                Page::Help(_) => __preload_help_view().await,
                Page::Admin(_) => __preload_admin_view().await,
            };
            PRELOAD_FAILED.set(loaded.is_err());
        }
    }
}

// What the last `preload` met: the router's trait lets it answer nothing,
// and the routes' page type is not named outside `routes()`.
#[cfg(wasm_split)]
thread_local! {
    static PRELOAD_FAILED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Loads the code of the page at `path` (its group's chunk), for the
/// browser to await before hydrating: the router then finds the page ready
/// and the whole document hydrates synchronously, so no view needs the
/// async hydration path (vendor/README.md, tachys). An unknown address
/// shows `NotFound`, which is in the main module. False when the code
/// could not be loaded: the page must then stay as the server drew it.
pub async fn load_page_code(path: &str) -> bool {
    if let Some(found) = RouteDefs::new(crate::routes()).match_route(path) {
        found.into_view_and_child().0.preload().await;
    }
    #[cfg(wasm_split)]
    return !PRELOAD_FAILED.get();
    #[cfg(not(wasm_split))]
    true
}

/// A page reached by a link whose code could not be loaded: the browser
/// loads it from the server instead, which also sends the code of the
/// release now running when this page's is an older one. The router's own
/// navigation never ends, so it adds no history entry of its own (which
/// made Back in Chromium and Firefox skip the page the link was on, or
/// stay on this one).
async fn load_in_full() -> AnyView {
    #[cfg(feature = "hydrate")]
    {
        let to = leptos_router::hooks::use_location();
        let search = to.search.get_untracked();
        let query = if search.is_empty() { String::new() } else { format!("?{search}") };
        let _ = window().location().assign(&format!("{}{query}{}", to.pathname.get_untracked(), to.hash.get_untracked()));
        std::future::pending::<()>().await;
    }
    ().into_any()
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
lazy_pages! { public_pages: Public in alone, public_view / __preload_public_view:
    Policies => PoliciesPage,
    SignIn => SignInPage,
    SignUp => SignUpPage,
    VerifyEmail => VerifyEmailPage,
    ResetPassword => ResetPasswordPage,
    ApiDocs => ApiDocsPage,
}

// The shop front: Get Number, where customers spend their visits, with the
// home page and the platforms' pages, which show the same catalogue. Get
// Number's first visit thus skips the other customer pages' code, 29 % of
// what it downloaded (BENCHMARKS.md, session 28); the home and platform
// pages add 4 KB gzip to it.
lazy_pages! { shop_pages: Shop in alone, shop_view / __preload_shop_view:
    GetNumber => GetNumberPage,
    Home => HomePage,
    Platform => PlatformPage,
}

// A customer's other pages, in two groups: one group for all five made
// their first visits 268 KB served gzip, two bring each under 250 (230, 240)
// for 3 to 5 KB more on the other groups' visits, whose code shared with
// these splits into more chunks (BENCHMARKS.md, session 69).
// The wallet and the numbers rented: what the money bought.
lazy_pages! { customer_pages: Customer in alone, customer_view / __preload_customer_view:
    Wallet => WalletPage,
    Numbers => NumbersPage,
}

// Support and the account's settings: where a customer comes for help or to
// change the account.
lazy_pages! { help_pages: Help in alone, help_view / __preload_help_view:
    Support => SupportPage,
    Ticket => TicketPage,
    Account => AccountPage,
}

// The admin console, each page inside its navigation.
lazy_pages! { admin_pages: Admin in in_admin_console, admin_view / __preload_admin_view:
    Home => AdminDashboard,
    Users => AdminUsers,
    User => AdminUser,
    Wallets => AdminWallets,
    Catalogue => AdminCatalogue,
    Supply => AdminSupply,
    SupportList => AdminSupport,
    Ticket => AdminTicket,
    Audit => AdminAudit,
    Security => AdminSecurity,
}
