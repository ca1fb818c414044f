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
use crate::components::loading::Loading;
use crate::reactive::CollectAny;
use crate::components::layout::NavLink;

use crate::auth::use_viewer;
use crate::domain::Desk;
use crate::components::unread_badge::{Unread, UnreadBadge};
use crate::error::AppError;
use crate::site_info::use_site_info;

/// The console's pages, each with the desk it belongs to: support staff
/// see the support desk's only.
const SECTIONS: [(&str, &str, Desk); 8] = [
    ("/admin", "Dashboard", Desk::Operations),
    ("/admin/users", "Users", Desk::Support),
    ("/admin/wallets", "Wallets", Desk::Operations),
    ("/admin/catalogue", "Platforms", Desk::Operations),
    ("/admin/supply", "Numbers & SMS", Desk::Operations),
    ("/admin/support", "Support", Desk::Support),
    ("/admin/audit", "Audit log", Desk::Operations),
    ("/admin/security", "Security log", Desk::Operations),
];


#[component]
pub fn AdminShell(children: ChildrenFn) -> impl IntoView {
    let viewer = use_viewer();
    let two_step_required = use_site_info().admin_two_step;
    // Customers' tickets, heard live on every console page.
    #[cfg(feature = "hydrate")]
    crate::reactive::effect(move || {
        if untrack(|| viewer.get()).is_some_and(|v| v.console_access(Desk::Support, two_step_required).is_ok()) {
            crate::components::staff_news::StaffNews::listen();
        }
    });
    view! {
        <Loading fallback=|| view! { <p>"Loading…"</p> }>
            {move || match viewer.get().map(|v| (v.console_access(Desk::Support, two_step_required), v.role)) {
                Some((Ok(()), role)) => view! {
                    <nav class="admin-nav" aria-label="Admin">
                        {SECTIONS.into_iter().filter(|(_, _, desk)| role.may_use(*desk)).map(|(href, label, _)| view! {
                            <NavLink href=href exact=true>{label}{match href {
                                "/admin/support" => Some(view! { <UnreadBadge of=Unread::StaffInbox /> }),
                                "/admin/wallets" => Some(view! { <UnreadBadge of=Unread::TopUpRequests /> }),
                                "/admin/supply" => Some(view! { <UnreadBadge of=Unread::SupplyProblems /> }),
                                _ => None,
                            }}</NavLink>
                        }).collect_any()}
                    </nav>
                    {children()}
                }.into_any(),
                Some((Err(AppError::TwoStepRequired), _)) => view! {
                    <section class="card narrow" data-testid="admin-two-step-required">
                        <h1>"Admin"</h1>
                        <div class="alert alert-warning">
                            "Staff need two-step sign-in: the console opens customers' records and wallets, so a password alone must not open it. "
                            <a href="/account#two-step">"Turn it on on your Account page"</a>
                            ", then come back."
                        </div>
                    </section>
                }.into_any(),
                _ => view! {
                    <section class="card narrow">
                        <h1>"Admin"</h1>
                        <div class="alert alert-warning">"This area is for staff."</div>
                    </section>
                }.into_any(),
            }}
        </Loading>
    }
}
