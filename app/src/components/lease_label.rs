//! The customer's label of a lease ("work Telegram"): shown under the
//! number, and a folded form that sets it (`label_lease`).
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::components::form::send_form;
use crate::domain::LEASE_LABEL_MAX;
use crate::get_number::LabelLease;
use crate::wire::Sender;

/// The label under a lease's number, if it has one.
pub fn shown_label(label: Option<String>) -> impl IntoView {
    label.map(|text| view! { <span class="lease-label" data-testid="lease-label">{text}</span> })
}

/// "Add a label" / "Edit label", opening a one-field form; `about` names
/// the lease to screen readers (" Telegram +1 (202) 555-0100"). The page
/// that owns `action` reloads its leases when it succeeds.
#[component]
pub fn LabelForm(lease_id: i64, about: String, label: Option<String>, action: Sender<LabelLease>) -> impl IntoView {
    let field = format!("lease-label-{lease_id}");
    let summary = if label.is_some() { "Edit label" } else { "Add a label" };
    view! {
        // Which account the number opened, for the day it is rented again.
        <details class="label-edit">
            <summary>{summary}<span class="sr-only">" for" {about.clone()}</span></summary>
            <form class="form-inline" method="post" action=LabelLease::url() on:submit=send_form(action)>
                <input type="hidden" name="lease_id" value=lease_id.to_string() />
                <label class="sr-only" for=field.clone()>"Label for" {about}</label>
                <input id=field name="label" maxlength=LEASE_LABEL_MAX.to_string() placeholder="Work account" value=label.unwrap_or_default() />
                <button class="btn btn-small" type="submit">"Save"</button>
            </form>
        </details>
    }
}
