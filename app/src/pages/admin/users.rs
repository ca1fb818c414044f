//! Admin: find users; one user's profile, wallet, leases, API keys, devices
//! and security log; staff notes; disable or enable; grant or revoke the
//! admin role; revoke an API key.
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_router::hooks::use_params_map;

use crate::admin_api::AdminSetRole;
use crate::domain::{Desk, Role};
use crate::admin_users::{AdminFindUsers, AdminUserDetail, AdminRevokeApiKey, AdminSetDisabled, AdminSetDiscount, UserDetail, UserList};
use crate::pages::account_api_keys::{api_key_row, API_KEY_HEADERS};
use crate::staff_notes::{AdminStaffNotes, CustomerNotes};
use crate::components::staff_notes::{NoteActions, StaffNotes};
use crate::components::{data_table::DataTable, form::{error_alert, send_form, ActionError, SearchForm}, lease_label::shown_label, lease_messages::LeaseMessages, loading::Loading, local_time::LocalTime, page_title::PageTitle, pager::{PageCursor, Pager}, security_log_table::SecurityLogTable};
use crate::wire::Sender;
use crate::reactive::{handler, CollectAny};

#[component]
pub fn AdminUsers() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let cursor = PageCursor::new();
    let found = crate::wire::resource(move || (query.get(), role.get(), cursor.before()), |(query, role, before)| AdminFindUsers { query, role: Some(role), before });
    let next = Signal::derive(move || found.get().and_then(|r| r.ok()).and_then(|list| list.next_before));
    view! {
        <PageTitle text="Admin · Users" />
        <h1>"Users"</h1>
        <section class="card">
            <SearchForm id="user-search" label="User ID, email, username or a number they leased" placeholder="UN-7K3Q9M" on_search=move |text| { cursor.reset(); query.set(text) }>
                <div class="field">
                    <label for="user-role">"Role"</label>
                    <select id="user-role" on:change=handler(move |ev| { cursor.reset(); role.set(event_target_value(&ev)) })>
                        <option value="">"Everyone"</option>
                        {Role::ALL.map(|r| view! { <option value=r.as_str()>{r.label()}</option> })}
                    </select>
                </div>
            </SearchForm>
            <Loading fallback=|| view! { <p>"Loading…"</p> }>
                {move || found.get().and_then(|r| r.ok()).map(|list| view! {
                    <p class="muted small" data-testid="users-count">{users_count(&list, query.with_untracked(String::is_empty), Role::parse(&role.get_untracked()))}</p>
                })}
                <DataTable label="Users" headers=&["User ID", "Username", "Email", "Role", "Balance", "Joined", ""] testid="users" stacked=true>
                            {move || found.get().map(|r| match r {
                                Err(e) => view! { <tr><td colspan="7" class="alert alert-error">{e.to_string()}</td></tr> }.into_any(),
                                Ok(list) => list.users.into_iter().map(|u| view! {
                                    <tr>
                                        <td class="mono" data-label="User ID"><a href=format!("/admin/users/{}", u.public_id)>{u.public_id.clone()}</a></td>
                                        <td data-label="Username">{u.username.clone()}</td>
                                        <td data-label="Email">{u.email.clone()}</td>
                                        <td data-label="Role">{u.role.label()}</td>
                                        <td data-label="Balance">{u.balance.to_string()}</td>
                                        <td data-label="Joined"><LocalTime millis=u.created_at /></td>
                                        <td>{u.disabled.then(|| view! { <span class="badge badge-warning">"disabled"</span> })}</td>
                                    </tr>
                                }).collect_any().into_any(),
                            })}
                </DataTable>
                <Pager cursor next />
            </Loading>
        </section>
    }
}

/// What the list holds: every account (of the role chosen), or what a
/// search found.
fn users_count(list: &UserList, everyone: bool, role: Option<Role>) -> String {
    let accounts = |n: i64| {
        let n = if n == 1 { "1 account".to_string() } else { format!("{n} accounts") };
        match role {
            Some(role) => format!("{n} ({})", crate::domain::lowercase(role.label())),
            None => n,
        }
    };
    let mut text = if everyone {
        format!("{}, newest first.", accounts(list.matching))
    } else {
        format!("{} by user ID, email or username, newest first.", accounts(list.matching))
    };
    if list.leased > 0 {
        text = format!("{} that leased the number, latest first; then {}", accounts(list.leased as i64), text);
    }
    text
}

#[component]
pub fn AdminUser() -> impl IntoView {
    let params = use_params_map();
    let public_id = move || params.read().get("public_id").unwrap_or_default();
    let set_disabled = Sender::<AdminSetDisabled>::new();
    let set_role = Sender::<AdminSetRole>::new();
    let revoke_key = Sender::<AdminRevokeApiKey>::new();
    let set_discount = Sender::<AdminSetDiscount>::new();
    let detail = crate::wire::resource(
        move || (public_id(), set_disabled.version().get(), set_role.version().get(), revoke_key.version().get(), set_discount.version().get()),
        |(id, _, _, _, _)| AdminUserDetail { public_id: id },
    );
    let note_actions = NoteActions::new(public_id);
    let notes = crate::wire::resource(move || (public_id(), note_actions.to_read()), |(id, (_, before))| AdminStaffNotes { public_id: id, before });
    view! {
        <PageTitle text="Admin · User" />
        <Loading fallback=|| view! { <p>"Loading…"</p> }>
            <ActionError value=set_disabled.value() />
            <ActionError value=set_role.value() />
            <ActionError value=revoke_key.value() />
            <ActionError value=set_discount.value() />
            {move || detail.get().map(|r| match r {
                Err(e) => error_alert(&e),
                Ok(d) => view! { <UserView d set_disabled set_role set_discount revoke_key notes note_actions /> }.into_any(),
            })}
        </Loading>
    }
}

#[component]
fn UserView(
    d: UserDetail,
    set_disabled: Sender<AdminSetDisabled>,
    set_role: Sender<AdminSetRole>,
    set_discount: Sender<AdminSetDiscount>,
    revoke_key: Sender<AdminRevokeApiKey>,
    notes: crate::wire::Fetched<Option<CustomerNotes>>,
    note_actions: NoteActions,
) -> impl IntoView {
    let u = d.user.clone();
    let (id_for_disable, id_for_role, id_for_discount) = (u.public_id.clone(), u.public_id.clone(), u.public_id.clone());
    // Support staff read the record; what they may not do is not offered
    // (and the server refuses it anyway).
    let operator = untrack(|| crate::auth::use_viewer().get()).is_some_and(|v| v.role.may_use(Desk::Operations));
    view! {
        <h1>{u.username.clone()} " " <span class="muted mono">{u.public_id.clone()}</span></h1>
        <section class="card">
            <dl class="details">
                <dt>"Email"</dt><dd>{u.email.clone()} " " {if u.email_verified { "(verified)" } else { "(not verified)" }}</dd>
                <dt>"Role"</dt><dd data-testid="user-role">{u.role.label()}</dd>
                <dt>"Two-step sign-in"</dt><dd data-testid="user-two-step">{if u.two_step { "on" } else { "off" }}</dd>
                <dt>"Balance"</dt><dd data-testid="user-balance">{u.balance.to_string()}</dd>
                <dt>"Discount"</dt>
                <dd data-testid="user-discount">{if u.discount.is_none() { "none".to_string() } else { format!("{} off the list prices", u.discount) }}</dd>
                <dt>"Joined"</dt><dd><LocalTime millis=u.created_at /></dd>
                <dt>"Status"</dt><dd data-testid="user-status">{if u.disabled { "disabled" } else { "active" }}</dd>
            </dl>
            {operator.then(|| view! {
                <div class="form-inline">
                    <form method="post" action=AdminSetDisabled::url() on:submit=send_form(set_disabled)>
                        <input type="hidden" name="public_id" value=id_for_disable />
                        <input type="hidden" name="disabled" value=(!u.disabled).to_string() />
                        <button type="submit" class="btn" class:btn-danger=!u.disabled>{if u.disabled { "Enable account" } else { "Disable account" }}</button>
                    </form>
                    <form class="form-inline" method="post" action=AdminSetRole::url() on:submit=send_form(set_role)>
                        <input type="hidden" name="public_id" value=id_for_role />
                        <label for="user-role-choice">"Role"</label>
                        <select id="user-role-choice" name="role">
                            {Role::ALL.map(|r| view! { <option value=r.as_str() selected=u.role == r>{r.label()}</option> })}
                        </select>
                        <button type="submit" class="btn">"Change role"</button>
                    </form>
                    <form class="form-inline" method="post" action=AdminSetDiscount::url() on:submit=send_form(set_discount)>
                        <input type="hidden" name="public_id" value=id_for_discount />
                        <label for="user-discount-choice">"Discount (%)"</label>
                        <input id="user-discount-choice" name="discount" inputmode="numeric" size="3" value=u.discount.percent().to_string() />
                        <button type="submit" class="btn">"Set discount"</button>
                    </form>
                    <a class="btn" href=format!("/admin/wallets?user={}", u.public_id)>"Recharge…"</a>
                </div>
            })}
        </section>
        <StaffNotes notes actions=note_actions />
        <section class="card">
            <h2>"Leases"</h2>
            <DataTable label="Leases" headers=&["#", "Platform", "Number", "Outcome", "Price", "When", "Messages"] testid="user-leases" stacked=true>{d.leases.into_iter().map(|l| { let outcome = l.outcome(); view! {
                    <tr>
                        <td data-label="Lease">{l.id}</td><td data-label="Platform">{l.platform}</td><td data-label="Number"><span class="mono">{l.number_display}</span> {shown_label(l.label)}</td>
                        <td data-label="Outcome">{outcome}</td><td data-label="Price">{l.price.to_string()}</td><td data-label="When"><LocalTime millis=l.created_at /></td>
                        <td data-label="Messages"><LeaseMessages messages=l.messages /></td>
                    </tr>
                }}).collect_any()}
            </DataTable>
        </section>
        <section class="card">
            <h2>"Support tickets"</h2>
            {if d.tickets.is_empty() {
                view! { <p class="muted">"No tickets."</p> }.into_any()
            } else {
                view! {
                    <DataTable label="Support tickets" headers=&["Subject", "About", "Status", "Updated"] testid="user-tickets" stacked=true>{d.tickets.into_iter().map(|t| { let status = t.status_label(); view! {
                        <tr>
                            <td data-label="Subject">
                                <a href=format!("/admin/support/{}", t.id)>{t.subject}</a>
                                {t.unread.then(|| view! { " " <span class="badge badge-info">"unread"</span> })}
                            </td>
                            <td data-label="About">{t.lease_id.map(|l| format!("lease #{l}"))}</td>
                            <td data-label="Status">{status}</td>
                            <td data-label="Updated"><LocalTime millis=t.updated_at /></td>
                        </tr>
                    }}).collect_any()}</DataTable>
                }.into_any()
            }}
        </section>
        <section class="card">
            <h2>"Ledger"</h2>
            {operator.then(|| view! { <p><a href=format!("/admin/ledger.csv?user={}", u.public_id) rel="external">"Download the last year as CSV"</a></p> })}
            <DataTable label="Ledger" headers=&["When", "What", "Amount", "Balance after"] stacked=true>{d.ledger.into_iter().map(|e| view! {
                    <tr><td data-label="When"><LocalTime millis=e.at /></td><td data-label="What">{e.description}</td><td data-label="Amount">{e.amount.to_string()}</td><td data-label="Balance after">{e.balance_after.to_string()}</td></tr>
                }).collect_any()}
            </DataTable>
        </section>
        <section class="card">
            <h2>"API keys"</h2>
            {if d.api_keys.is_empty() {
                view! { <p class="muted">"No API keys."</p> }.into_any()
            } else {
                let owner = u.public_id.clone();
                let rows = d.api_keys.into_iter().map(move |k| {
                    let owner = owner.clone();
                    api_key_row(k, move |id| view! {
                        <form method="post" action=AdminRevokeApiKey::url() on:submit=send_form(revoke_key)>
                            <input type="hidden" name="public_id" value=owner />
                            <input type="hidden" name="key_id" value=id />
                            <button type="submit" class="btn btn-small btn-danger">"Revoke"</button>
                        </form>
                    }.into_any())
                });
                view! { <DataTable label="API keys" headers=API_KEY_HEADERS testid="user-api-keys" stacked=true>{rows.collect_any()}</DataTable> }.into_any()
            }}
        </section>
        <section class="card">
            <h2>"Devices"</h2>
            <DataTable label="Devices" headers=&["Browser", "IP", "First seen", "Last seen"] stacked=true>{d.devices.into_iter().map(|x| view! {
                    <tr><td data-label="Browser">{x.browser}</td><td class="mono" data-label="IP">{x.ip}</td><td data-label="First seen"><LocalTime millis=x.first_seen /></td><td data-label="Last seen"><LocalTime millis=x.last_seen /></td></tr>
                }).collect_any()}
            </DataTable>
        </section>
        <section class="card">
            <h2>"Security log"</h2>
            <SecurityLogTable events=d.security_log />
        </section>
    }
}
