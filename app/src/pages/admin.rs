use leptos::prelude::*;

use crate::admin_api::{admin_security_log, AdminSetRole};
use crate::auth::use_viewer;
use crate::components::{form::ActionError, local_time::LocalTime, page_title::PageTitle};

/// The admin area. Its data comes only from admin server functions, which
/// check the role on the server; this page merely hides itself.
#[component]
pub fn AdminPage() -> impl IntoView {
    let viewer = use_viewer();
    let set_role = ServerAction::<AdminSetRole>::new();
    let log = Resource::new(move || set_role.version().get(), |_| admin_security_log());
    let is_admin = move || viewer.get().and_then(|r| r.ok()).flatten().is_some_and(|v| v.is_admin());
    view! {
        <PageTitle text="Admin" />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || if is_admin() {
                view! {
                    <h1>"Admin"</h1>
                    <section class="card">
                        <h2>"Roles"</h2>
                        <ActionError value=set_role.value() />
                        {move || matches!(set_role.value().get(), Some(Ok(()))).then(|| view! { <div class="alert alert-success">"Role updated."</div> })}
                        <ActionForm action=set_role attr:class="form">
                            <div class="field">
                                <label for="role-public-id">"User ID"</label>
                                <input id="role-public-id" name="public_id" placeholder="UN-7K3Q9M" required />
                            </div>
                            <div class="field">
                                <label for="role">"Role"</label>
                                <select id="role" name="role">
                                    <option value="customer">"Customer"</option>
                                    <option value="admin">"Admin"</option>
                                </select>
                            </div>
                            <button type="submit" class="btn btn-primary">"Set role"</button>
                        </ActionForm>
                    </section>
                    <section class="card">
                        <h2>"Security log (everyone)"</h2>
                        <div class="table-wrap">
                            <table class="table">
                                <thead><tr><th>"User"</th><th>"What"</th><th>"When"</th><th>"IP"</th><th>"Browser"</th></tr></thead>
                                <tbody>
                                    {move || log.get().map(|r| r.unwrap_or_default().into_iter().map(|e| view! {
                                        <tr>
                                            <td>{e.public_id.unwrap_or_default()} " " <span class="muted">{e.username.unwrap_or_default()}</span></td>
                                            <td>{e.what} " " <span class="muted small">{e.detail}</span></td>
                                            <td><LocalTime millis=e.at /></td>
                                            <td class="mono">{e.ip}</td>
                                            <td>{e.browser}</td>
                                        </tr>
                                    }).collect_view())}
                                </tbody>
                            </table>
                        </div>
                    </section>
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
