//! The admin console at `/admin/…`. Its data comes only from admin server
//! functions, which check the role on the server; the shell merely hides
//! itself from others.
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
    let is_admin = move || viewer.get().is_some_and(|v| v.is_admin());
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || if is_admin() {
                view! {
                    <nav class="admin-nav" aria-label="Admin">
                        {SECTIONS.map(|(href, label)| view! { <A href=href exact=true>{label}</A> })}
                    </nav>
                    {children()}
                }.into_any()
            } else {
                view! {
                    <section class="card narrow">
                        <h1>"Admin"</h1>
                        <div class="alert alert-warning">"This area is for administrators."</div>
                    </section>
                }.into_any()
            }}
        </Transition>
    }
}
