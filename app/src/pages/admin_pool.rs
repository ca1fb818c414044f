//! Admin: number supply — the operator's pool, upstream suppliers, and
//! the SMS no lease took.
use leptos::prelude::*;

use crate::components::{form::ActionError, local_time::LocalTime};
use crate::error::AppError;
use crate::number_pool::{AdminAddNumber, AdminAssignSms, AdminDismissSms, AdminSetNumberEnabled, PoolNumber, UnmatchedSms, UpstreamView};

/// The pool with each number's gateway and open lease; add or disable.
#[component]
pub fn NumberPool(
    add: ServerAction<AdminAddNumber>,
    toggle: ServerAction<AdminSetNumberEnabled>,
    list: Resource<Result<Vec<PoolNumber>, AppError>>,
) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Number pool"</h2>
            <p class="muted small">"The operator's own numbers, handed out before the demo range. For SMS Gateway for Android, name the phone's device ID and SIM slot that receive the number's messages."</p>
            <ActionError value=add.value() />
            <ActionError value=toggle.value() />
            <ActionForm action=add attr:class="form form-inline">
                <div class="field">
                    <label for="pool-number">"US number"</label>
                    <input id="pool-number" name="number" placeholder="+1 (312) 555-0150" required />
                </div>
                <div class="field">
                    <label for="pool-device">"Android device ID (optional)"</label>
                    <input id="pool-device" name="device_id" maxlength="100" />
                </div>
                <div class="field">
                    <label for="pool-sim">"SIM slot"</label>
                    <input id="pool-sim" name="sim" type="number" min="1" max="8" value="1" />
                </div>
                <button type="submit" class="btn">"Add number"</button>
            </ActionForm>
            <div class="table-wrap">
                <table class="table" data-testid="admin-pool">
                    <thead><tr><th>"Number"</th><th>"Gateway"</th><th>"Open lease"</th><th>"Enabled"</th></tr></thead>
                    <tbody>
                        {move || list.get().and_then(|r| r.ok()).map(|rows| rows.into_iter().map(|n| view! {
                            <tr>
                                <td class="mono">{n.display.clone()}</td>
                                <td>{n.gateway.clone().unwrap_or_else(|| "—".into())}</td>
                                <td>{n.open_lease.clone().unwrap_or_else(|| "—".into())}</td>
                                <td>
                                    <ActionForm action=toggle>
                                        <input type="hidden" name="number" value=n.number.clone() />
                                        <input type="hidden" name="enabled" value=(!n.enabled).to_string() />
                                        <button type="submit" class="btn btn-small">{if n.enabled { "Disable" } else { "Enable" }}</button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }).collect_view())}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// Messages no open lease took: give one to a lease, or dismiss it.
#[component]
pub fn UnmatchedSmsList(
    assign: ServerAction<AdminAssignSms>,
    dismiss: ServerAction<AdminDismissSms>,
    list: Resource<Result<Vec<UnmatchedSms>, AppError>>,
) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Unmatched SMS"</h2>
            <ActionError value=assign.value() />
            <ActionError value=dismiss.value() />
            <div class="table-wrap">
                <table class="table" data-testid="admin-unmatched">
                    <thead><tr><th>"Received"</th><th>"To"</th><th>"From"</th><th>"Text"</th><th>"Code"</th><th></th></tr></thead>
                    <tbody>
                        {move || list.get().and_then(|r| r.ok()).map(|rows| {
                            if rows.is_empty() {
                                return view! { <tr><td colspan="6" class="muted">"None: every message found its lease."</td></tr> }.into_any();
                            }
                            rows.into_iter().map(|m| view! {
                                <tr>
                                    <td><LocalTime millis=m.at /></td>
                                    <td class="mono">{m.recipient.clone()}</td>
                                    <td>{m.sender.clone()}</td>
                                    <td class="small">{m.body.clone()} " " <span class="muted">"(" {m.source.clone()} ")"</span></td>
                                    <td class="mono">{m.code.clone().unwrap_or_default()}</td>
                                    <td>
                                        <ActionForm action=assign attr:class="form-inline">
                                            <input type="hidden" name="sms_id" value=m.id />
                                            <input name="lease_id" type="number" min="1" aria-label="Lease number" placeholder="lease #" required />
                                            <button type="submit" class="btn btn-small">"Assign"</button>
                                        </ActionForm>
                                        <ActionForm action=dismiss>
                                            <input type="hidden" name="sms_id" value=m.id />
                                            <button type="submit" class="btn btn-small">"Dismiss"</button>
                                        </ActionForm>
                                    </td>
                                </tr>
                            }).collect_view().into_any()
                        })}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// Upstream suppliers: balance, error rate, breaker, last error, margin.
#[component]
pub fn UpstreamList(list: Resource<Result<Vec<UpstreamView>, AppError>>) -> impl IntoView {
    view! {
        {move || list.get().and_then(|r| r.ok()).filter(|rows| !rows.is_empty()).map(|rows| view! {
            <section class="card">
                <h2>"Upstream suppliers"</h2>
                {rows.iter().any(|u| u.low_balance).then(|| view! {
                    <div class="alert alert-warning" role="alert">"An upstream balance is low: top it up before numbers run out."</div>
                })}
                <div class="table-wrap">
                    <table class="table" data-testid="admin-upstreams">
                        <thead><tr><th>"Upstream"</th><th>"Balance"</th><th>"Errors"</th><th>"Breaker"</th><th>"Open purchases"</th><th>"Margin"</th><th>"Last error"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|u| view! {
                                <tr>
                                    <td>{u.name.clone()}</td>
                                    <td class:text-danger=u.low_balance>{u.balance.map(|b| b.to_string()).unwrap_or_else(|| "unknown".into())}</td>
                                    <td>{format!("{}% of {} calls", u.error_rate_percent, u.calls)}</td>
                                    <td>{u.breaker.clone()}</td>
                                    <td>{u.open_purchases}</td>
                                    <td>{u.margin.to_string()}</td>
                                    <td class="small">
                                        {u.last_error.clone().unwrap_or_else(|| "—".into())}
                                        {u.last_error_at.map(|at| view! { " " <LocalTime millis=at /> })}
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>
        })}
    }
}
