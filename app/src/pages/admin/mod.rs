//! The admin console at `/admin/…`. Its data comes only from admin server
//! functions, which check the role (and two-step sign-in, where required)
//! on the server; the shell merely hides itself from others.
pub mod catalogue;
pub mod dashboard;
pub mod logs;
pub mod supply;
pub mod support;
pub mod users;
pub mod wallets;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::use_viewer;
use crate::error::AppError;
use crate::site_info::use_site_info;

const SECTIONS: [(&str, &str); 8] = [
    ("/admin", "Dashboard"),
    ("/admin/users", "Users"),
    ("/admin/wallets", "Wallets"),
    ("/admin/catalogue", "Platforms"),
    ("/admin/supply", "Numbers & SMS"),
    ("/admin/support", "Support"),
    ("/admin/audit", "Audit log"),
    ("/admin/security", "Security log"),
];

/// The number of open tickets staff have not read, asked by the browser
/// on each navigation (as the customers' Support badge is). From an
/// effect, not a resource: the badge sits inside the shell's Transition,
/// which a resource would hold (on the server, for ever).
#[component]
fn UnreadTickets() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let count = RwSignal::new(0i64);
    Effect::new(move |_| {
        location.pathname.track();
        leptos::task::spawn_local(async move {
            if let Ok(n) = crate::support::admin_unread_support().await {
                count.set(n);
            }
        });
    });
    move || {
        let n = count.get();
        (n > 0).then(|| view! {
            <span class="nav-badge" data-testid="admin-support-unread" aria-label=format!("{n} unread")>{n}</span>
        })
    }
}

#[component]
pub fn AdminShell(children: ChildrenFn) -> impl IntoView {
    let viewer = use_viewer();
    let two_step_required = use_site_info().admin_two_step;
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || match viewer.get().map(|v| v.admin_access(two_step_required)) {
                Some(Ok(())) => view! {
                    <nav class="admin-nav" aria-label="Admin">
                        {SECTIONS.map(|(href, label)| view! {
                            <A href=href exact=true>{label}{(href == "/admin/support").then(|| view! { <UnreadTickets /> })}</A>
                        })}
                    </nav>
                    {children()}
                }.into_any(),
                Some(Err(AppError::TwoStepRequired)) => view! {
                    <section class="card narrow" data-testid="admin-two-step-required">
                        <h1>"Admin"</h1>
                        <div class="alert alert-warning">
                            "Administrators need two-step sign-in: an admin account tops up wallets, so a password alone must not open it. "
                            <A href="/account#two-step">"Turn it on on your Account page"</A>
                            ", then come back."
                        </div>
                    </section>
                }.into_any(),
                _ => view! {
                    <section class="card narrow">
                        <h1>"Admin"</h1>
                        <div class="alert alert-warning">"This area is for administrators."</div>
                    </section>
                }.into_any(),
            }}
        </Transition>
    }
}
