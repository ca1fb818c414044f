use leptos::prelude::*;

use crate::admin_api::{admin_security_log, AdminSetRole};
use crate::get_number::{admin_platforms, AdminUpdatePlatform};
use crate::number_pool::{admin_numbers, admin_unmatched_sms, admin_upstreams, AdminAddNumber, AdminAssignSms, AdminDismissSms, AdminSetNumberEnabled};
use crate::pages::admin_pool::{NumberPool, UnmatchedSmsList, UpstreamList};
use crate::wallet::{AdminPrepareTopUp, AdminTopUp};
use crate::auth::use_viewer;
use crate::components::{form::ActionError, local_time::LocalTime, page_title::PageTitle};

/// The admin area. Its data comes only from admin server functions, which
/// check the role on the server; this page merely hides itself.
#[component]
pub fn AdminPage() -> impl IntoView {
    let viewer = use_viewer();
    let set_role = ServerAction::<AdminSetRole>::new();
    let log = Resource::new(move || set_role.version().get(), |_| admin_security_log());
    let update = ServerAction::<AdminUpdatePlatform>::new();
    let list = Resource::new(move || update.version().get(), |_| admin_platforms());
    let (add, toggle) = (ServerAction::<AdminAddNumber>::new(), ServerAction::<AdminSetNumberEnabled>::new());
    let pool = Resource::new(move || (add.version().get(), toggle.version().get()), |_| admin_numbers());
    let (assign, dismiss) = (ServerAction::<AdminAssignSms>::new(), ServerAction::<AdminDismissSms>::new());
    let unmatched = Resource::new(move || (assign.version().get(), dismiss.version().get()), |_| admin_unmatched_sms());
    let upstreams = Resource::new(|| (), |_| admin_upstreams());
    let is_admin = move || viewer.get().and_then(|r| r.ok()).flatten().is_some_and(|v| v.is_admin());
    view! {
        <PageTitle text="Admin" />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            // The log is read in the first pass too (no waterfall).
            {move || if (log.track(), list.track(), pool.track(), unmatched.track(), upstreams.track(), is_admin()).5 {
                view! {
                    <h1>"Admin"</h1>
                    <Recharge />
                    <Platforms update list />
                    <UnmatchedSmsList assign dismiss list=unmatched />
                    <NumberPool add toggle list=pool />
                    <UpstreamList list=upstreams />
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

/// Top-up in two steps: find the customer and state the amount, then
/// confirm after seeing their name and current balance.
#[component]
fn Recharge() -> impl IntoView {
    let prepare = ServerAction::<AdminPrepareTopUp>::new();
    let confirm = ServerAction::<AdminTopUp>::new();
    view! {
        <section class="card">
            <h2>"Recharge a wallet"</h2>
            <ActionError value=prepare.value() />
            <ActionForm action=prepare attr:class="form">
                <div class="field">
                    <label for="recharge-query">"User ID, email or username"</label>
                    <input id="recharge-query" name="query" placeholder="UN-7K3Q9M" required />
                </div>
                <div class="field">
                    <label for="recharge-amount-admin">"Amount (USD)"</label>
                    <input id="recharge-amount-admin" name="amount" inputmode="decimal" required />
                </div>
                <div class="field">
                    <label for="recharge-note">"Note"</label>
                    <input id="recharge-note" name="note" maxlength="500" placeholder="payment reference" />
                </div>
                <button type="submit" class="btn">"Review"</button>
            </ActionForm>
            {move || prepare.value().get().and_then(|r| r.ok()).map(|c| view! {
                <div class="alert alert-info" data-testid="recharge-confirmation">
                    "Top up " <strong>{c.user.username.clone()}</strong> " (" {c.user.public_id.clone()} ", " {c.user.email.clone()} ")"
                    " — balance now " <strong>{c.user.balance.to_string()}</strong>
                    " — add " <strong>{c.amount.to_string()}</strong> "?"
                </div>
                <ActionForm action=confirm>
                    <input type="hidden" name="public_id" value=c.user.public_id.clone() />
                    <input type="hidden" name="amount" value=format!("{}.{:02}", c.amount.cents() / 100, c.amount.cents() % 100) />
                    <input type="hidden" name="note" value=c.note.clone() />
                    <input type="hidden" name="idempotency_key" value=c.idempotency_key.clone() />
                    <button type="submit" class="btn btn-primary">"Confirm top-up"</button>
                </ActionForm>
            })}
            <ActionError value=confirm.value() />
            {move || confirm.value().get().and_then(|r| r.ok()).map(|balance| view! {
                <div class="alert alert-success" data-testid="recharge-done">"Done. New balance: " {balance.to_string()}</div>
            })}
        </section>
    }
}

/// Platforms and prices; changes apply to the next confirmation.
#[component]
fn Platforms(
    update: ServerAction<AdminUpdatePlatform>,
    list: Resource<Result<Vec<crate::get_number::AdminPlatform>, crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Platforms and prices"</h2>
            <ActionError value=update.value() />
            <div class="table-wrap">
                <table class="table" data-testid="admin-platforms">
                    <thead><tr><th>"Platform"</th><th>"Price (USD)"</th><th>"Window (min)"</th><th>"Enabled"</th><th></th></tr></thead>
                    <tbody>
                        <Transition fallback=|| ()>
                            {move || list.get().and_then(|r| r.ok()).map(|rows| rows.into_iter().map(|p| {
                                let form_id = format!("platform-form-{}", p.slug);
                                let row_id = format!("admin-platform-{}", p.slug);
                                view! {
                                    <tr data-testid=row_id>
                                        <td>
                                            <ActionForm action=update attr:id=form_id.clone()>
                                                <input type="hidden" name="slug" value=p.slug.clone() />
                                                <input name="name" value=p.name.clone() aria-label="Name" maxlength="40" required />
                                            </ActionForm>
                                        </td>
                                        <td><input form=form_id.clone() name="price" aria-label="Price" inputmode="decimal" value=format!("{}.{:02}", p.price.cents() / 100, p.price.cents() % 100) /></td>
                                        <td><input form=form_id.clone() name="lease_minutes" aria-label="Window" type="number" min="1" max="1440" value=p.lease_minutes /></td>
                                        <td><input form=form_id.clone() name="enabled" aria-label="Enabled" type="checkbox" value="yes" checked=p.enabled /></td>
                                        <td><button form=form_id.clone() type="submit" class="btn btn-small">"Save"</button></td>
                                    </tr>
                                }
                            }).collect_view())}
                        </Transition>
                    </tbody>
                </table>
            </div>
        </section>
    }
}
