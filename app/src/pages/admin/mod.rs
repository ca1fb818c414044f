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
use crate::components::unread_badge::{Unread, UnreadBadge};
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

#[component]
pub fn AdminShell(children: ChildrenFn) -> impl IntoView {
    let viewer = use_viewer();
    let two_step_required = use_site_info().admin_two_step;
    // Customers' tickets, heard live on every console page.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if untrack(|| viewer.get()).is_some_and(|v| v.admin_access(two_step_required).is_ok()) {
            crate::components::staff_news::StaffNews::listen();
        }
    });
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || match viewer.get().map(|v| v.admin_access(two_step_required)) {
                Some(Ok(())) => view! {
                    <nav class="admin-nav" aria-label="Admin">
                        {SECTIONS.map(|(href, label)| view! {
                            <A href=href exact=true>{label}{match href {
                                "/admin/support" => Some(view! { <UnreadBadge of=Unread::StaffInbox /> }),
                                "/admin/wallets" => Some(view! { <UnreadBadge of=Unread::TopUpRequests /> }),
                                "/admin/supply" => Some(view! { <UnreadBadge of=Unread::SupplyProblems /> }),
                                _ => None,
                            }}</A>
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
