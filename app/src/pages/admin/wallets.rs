//! Admin: wallet recharges (two steps) and corrections.
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_router::hooks::use_query_map;

use crate::components::{data_table::DataTable, form::{error_alert, send_form, ActionError}, loading::Loading, local_time::LocalTime, page_title::PageTitle, unread_badge::BadgeRecount};
use crate::top_up_requests::{AdminTopUpRequests, AdminDismissTopUpRequest};
use crate::wallet::{AdminAdjust, AdminPrepareTopUp, AdminTopUp};
use crate::wire::Sender;
use crate::reactive::{handler, CollectAny};

#[component]
pub fn AdminWallets() -> impl IntoView {
    view! {
        <PageTitle text="Admin · Wallets" />
        <h1>"Wallets"</h1>
        <Recharge />
        <Adjust />
        <LedgerExport />
    }
}

/// The customer the page was opened for (`?user=UN-…`, from the user
/// page's "Recharge…"), filled in; empty otherwise.
fn chosen_user() -> String {
    use_query_map().with_untracked(|q| q.get("user")).unwrap_or_default()
}

/// The ledger of a range of days as a CSV download (`/admin/ledger.csv`,
/// checked there): a plain form, so the browser saves the file.
#[component]
fn LedgerExport() -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Ledger export"</h2>
            <p class="muted">"Every wallet entry of the chosen UTC days (at most 366), as CSV for the books. Leave the dates empty for the last 30 days."</p>
            <form method="get" action="/admin/ledger.csv" class="form">
                <div class="field">
                    <label for="ledger-from">"From"</label>
                    <input id="ledger-from" name="from" type="date" />
                </div>
                <div class="field">
                    <label for="ledger-to">"To"</label>
                    <input id="ledger-to" name="to" type="date" />
                </div>
                <button type="submit" class="btn">"Download CSV"</button>
            </form>
        </section>
    }
}

/// Top-up in two steps: find the customer and state the amount, then
/// confirm after seeing their name and current balance.
#[component]
fn Recharge() -> impl IntoView {
    let prepare = Sender::<AdminPrepareTopUp>::new();
    let confirm = Sender::<AdminTopUp>::new();
    view! {
        <Requests prepare confirm />
        <section class="card">
            <h2>"Recharge a wallet"</h2>
            <ActionError value=prepare.value() />
            <form class="form" method="post" action=AdminPrepareTopUp::url() on:submit=send_form(prepare)>
                <div class="field">
                    <label for="recharge-query">"User ID, email or username"</label>
                    <input id="recharge-query" name="query" placeholder="UN-7K3Q9M" value=chosen_user() required />
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
            </form>
            {move || prepare.value().get().and_then(|r| r.ok()).map(|c| view! {
                <div class="alert alert-info" data-testid="recharge-confirmation">
                    "Top up " <strong>{c.user.username.clone()}</strong> " (" {c.user.public_id.clone()} ", " {c.user.email.clone()} ")"
                    " — balance now " <strong>{c.user.balance.to_string()}</strong>
                    " — add " <strong>{c.amount.to_string()}</strong> "?"
                    {c.request_id.map(|_| view! { <p data-testid="recharge-answers">"This credits their open top-up request for " {c.amount.to_string()} "."</p> })}
                    {c.other_request.map(|asked| view! {
                        <p data-testid="recharge-other-request">"Their open top-up request is for " {asked.to_string()} "; it stays open."</p>
                    })}
                </div>
                <form method="post" action=AdminTopUp::url() on:submit=send_form(confirm)>
                    <input type="hidden" name="public_id" value=c.user.public_id.clone() />
                    <input type="hidden" name="amount" value=c.amount.decimal() />
                    <input type="hidden" name="idempotency_key" value=c.idempotency_key.clone() />
                    {match c.request_id {
                        // Filled in from a request: the payment's reference is asked here.
                        Some(id) => view! {
                            <input type="hidden" name="request_id" value=id.to_string() />
                            <div class="field">
                                <label for="recharge-reference">"Payment reference"</label>
                                <input id="recharge-reference" name="note" maxlength="500" value=c.note.clone() />
                            </div>
                        }.into_any(),
                        None => view! { <input type="hidden" name="note" value=c.note.clone() /> }.into_any(),
                    }}
                    <button type="submit" class="btn btn-primary">"Confirm top-up"</button>
                </form>
            })}
            <ActionError value=confirm.value() />
            {move || confirm.value().get().and_then(|r| r.ok()).map(|balance| view! {
                <div class="alert alert-success" data-testid="recharge-done">"Done. New balance: " {balance.to_string()}</div>
            })}
        </section>
    }
}

/// Customers' open top-up requests, oldest first. "Fill in" fills the
/// recharge's confirmation step from one (its user and amount); the
/// confirmed top-up marks it credited.
#[component]
fn Requests(prepare: Sender<AdminPrepareTopUp>, confirm: Sender<AdminTopUp>) -> impl IntoView {
    let dismiss = Sender::<AdminDismissTopUpRequest>::new();
    let requests = crate::wire::resource(move || (confirm.version().get(), dismiss.version().get()), |_| AdminTopUpRequests {});
    BadgeRecount::after(move || (confirm.version().get(), dismiss.version().get()));
    view! {
        <section class="card">
            <h2>"Top-up requests"</h2>
            <p class="muted small">"What customers said they are sending, from their Wallet page. Credit one only once the money has arrived."</p>
            <ActionError value=dismiss.value() />
            <Loading fallback=|| view! { <p>"Loading…"</p> }>
                {move || requests.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="muted" data-testid="no-top-up-requests">"No open requests."</p> }.into_any(),
                    Ok(list) => view! {
                        <DataTable label="Top-up requests" headers=&["Requested", "User ID", "Username", "Amount", ""] testid="top-up-requests" stacked=true>
                            {list.into_iter().map(|r| view! {
                                <tr data-testid="top-up-request">
                                    <td data-label="Requested"><LocalTime millis=r.created_at /></td>
                                    <td data-label="User ID"><code>{r.public_id.clone()}</code></td>
                                    <td data-label="Username">{r.username.clone()}</td>
                                    <td data-label="Amount" class="num">{r.amount.to_string()}</td>
                                    <td><div class="row-buttons">
                                        <button type="button" class="btn btn-small" aria-label=format!("Fill in {} for {}", r.amount, r.public_id) on:click=handler(move |_| {
                                            prepare.dispatch(AdminPrepareTopUp { query: None, amount: None, note: None, request_id: Some(r.id) });
                                        })>"Fill in"</button>
                                        <button type="button" class="btn btn-small" aria-label=format!("Dismiss {} for {}", r.amount, r.public_id) on:click=handler(move |_| {
                                            dismiss.dispatch(AdminDismissTopUpRequest { request_id: r.id });
                                        })>"Dismiss"</button>
                                    </div></td>
                                </tr>
                            }).collect_any()}
                        </DataTable>
                    }.into_any(),
                    Err(e) => error_alert(&e),
                })}
            </Loading>
        </section>
    }
}

/// A correction (positive or negative) with a reason; audited.
#[component]
fn Adjust() -> impl IntoView {
    let adjust = Sender::<AdminAdjust>::new();
    let key = RwSignal::new(new_key());
    crate::reactive::effect(move || {
        if adjust.version().get() > 0 {
            key.set(new_key());
        }
    });
    view! {
        <section class="card">
            <h2>"Correct a balance"</h2>
            <p class="muted small">"For mistakes only: a negative amount takes money back. The reason is kept in the ledger and the audit log."</p>
            <ActionError value=adjust.value() />
            {move || adjust.value().get().and_then(|r| r.ok()).map(|balance| view! {
                <div class="alert alert-success">"Done. New balance: " {balance.to_string()}</div>
            })}
            <form class="form" method="post" action=AdminAdjust::url() on:submit=send_form(adjust)>
                <div class="field">
                    <label for="adjust-public-id">"User ID"</label>
                    <input id="adjust-public-id" name="public_id" placeholder="UN-7K3Q9M" value=chosen_user() required />
                </div>
                <div class="field">
                    <label for="adjust-amount">"Amount (USD, may be negative)"</label>
                    <input id="adjust-amount" name="amount" inputmode="decimal" required />
                </div>
                <div class="field">
                    <label for="adjust-reason">"Reason"</label>
                    <input id="adjust-reason" name="reason" maxlength="500" required />
                </div>
                <input type="hidden" name="idempotency_key" prop:value=key />
                <button type="submit" class="btn">"Correct balance"</button>
            </form>
        </section>
    }
}

/// A fresh key per correction, so a double click posts it once.
fn new_key() -> String {
    let n = (js_random() * 1e15) as u64;
    format!("adjust-{n:015}")
}

#[cfg(feature = "hydrate")]
fn js_random() -> f64 {
    leptos::web_sys::js_sys::Math::random()
}

#[cfg(not(feature = "hydrate"))]
fn js_random() -> f64 {
    use rand::Rng;
    rand::rng().random::<f64>()
}
