use leptos::{prelude::*, server_fn::ServerFn};
use crate::reactive::CollectAny;

use crate::account::{ListDevices, MySecurityLog, ChangePassword, DeleteAccount, SignOutDevice, SignOutOtherDevices};
use crate::api_keys::{MyApiKeys, CreateApiKey, RevokeApiKey};
use crate::auth::{use_viewer, Viewer};
use crate::pages::account_api_keys::ApiKeys;
use crate::pages::account_email::{ChangeEmailForm, EmailChange};
use crate::pages::account_two_step::{TwoStep, TwoStepSection};
use crate::components::{copy_button::PublicIdBadge, data_table::DataTable, form::{empty_when_sent, send_form, ActionError}, loading::Loading, local_time::LocalTime, page_title::PageTitle, security_log_table::SecurityLogTable};
use crate::wire::Sender;

#[component]
pub fn AccountPage() -> impl IntoView {
    let viewer = use_viewer();
    // Resources live at the page's top level and are all read in the
    // Transition's first pass: read only after the viewer resolved (a
    // waterfall), they stalled the server's stream now and then.
    let sign_out_device = Sender::<SignOutDevice>::new();
    let sign_out_others = Sender::<SignOutOtherDevices>::new();
    let two_step = TwoStep::create();
    let devices = crate::wire::resource(
        move || (sign_out_device.version().get(), sign_out_others.version().get(), two_step.turned_on()),
        |_| ListDevices {},
    );
    let log = crate::wire::resource(move || (sign_out_others.version().get(), two_step.turned_on()), |_| MySecurityLog {});
    let actions = AccountActions { sign_out_device, sign_out_others, devices, log, email_change: EmailChange::create(), two_step };
    let (create_key, revoke_key) = (Sender::<CreateApiKey>::new(), Sender::<RevokeApiKey>::new());
    let keys = crate::wire::resource(move || (create_key.version().get(), revoke_key.version().get()), |_| MyApiKeys {});
    view! {
        <PageTitle text="Account" />
        <Loading fallback=|| view! { <p>"Loading…"</p> }>
            {move || match (devices.track(), log.track(), keys.track(), viewer.get()).3 {
                Some(v) => {
                    let email_verified = v.email_verified;
                    view! {
                        <AccountDetails viewer=v actions />
                        <ApiKeys create=create_key revoke=revoke_key keys email_verified />
                    }.into_any()
                }
                None => view! {
                    <section class="card narrow">
                        <h1>"Account"</h1>
                        <p>"Sign in to see your account."</p>
                        <a class="btn btn-primary" href="/sign-in?next=/account">"Sign in"</a>
                    </section>
                }.into_any(),
            }}
        </Loading>
    }
}

#[derive(Clone, Copy)]
struct AccountActions {
    sign_out_device: Sender<SignOutDevice>,
    sign_out_others: Sender<SignOutOtherDevices>,
    devices: crate::wire::Fetched<Vec<crate::account::Device>>,
    log: crate::wire::Fetched<Vec<crate::account::SecurityEvent>>,
    email_change: EmailChange,
    two_step: TwoStep,
}

#[component]
fn AccountDetails(viewer: Viewer, actions: AccountActions) -> impl IntoView {
    let AccountActions { sign_out_device, sign_out_others, devices, log, email_change, two_step } = actions;

    view! {
        <h1>"Account"</h1>
        <section class="card">
            <dl class="details">
                <dt>"Your user ID"</dt>
                <dd><PublicIdBadge public_id=viewer.public_id.clone() /> <span class="muted small">"Quote it when you ask for a recharge."</span></dd>
                <dt>"Email"</dt>
                <dd>
                    <span data-testid="account-email">{viewer.email.clone()}</span> " "
                    {if viewer.email_verified {
                        view! { <span class="badge badge-success">"verified"</span> }.into_any()
                    } else {
                        view! { <span class="badge badge-warning">"not verified"</span> " " <a href="/verify-email">"Verify now"</a> }.into_any()
                    }}
                    " " <a href="#change-email">"Change"</a>
                </dd>
                <dt>"Username"</dt>
                <dd data-testid="account-username">{viewer.username.clone()}</dd>
                <dt>"Role"</dt>
                <dd>{viewer.role.label()}</dd>
            </dl>
        </section>

        <section class="card">
            <h2>"Devices"</h2>
            <ActionError value=sign_out_device.value() />
            // The page's Transition already waited for these resources: a
            // second boundary reading them again risked a streaming hang.
            <DataTable label="Devices" headers=&["Browser", "IP", "First seen", "Last seen", ""] testid="devices" stacked=true>
                            {move || devices.get().map(|r| r.unwrap_or_default().into_iter().map(|d| {
                                view! {
                                    <tr data-testid="device-row">
                                        <td data-label="Browser">{d.browser.clone()} {d.this_device.then(|| view! { " " <span class="badge badge-info">"this device"</span> })}</td>
                                        <td class="mono" data-label="IP">{d.ip.clone()}</td>
                                        <td data-label="First seen"><LocalTime millis=d.first_seen /></td>
                                        <td data-label="Last seen"><LocalTime millis=d.last_seen /></td>
                                        <td>
                                            <form method="post" action=SignOutDevice::url() on:submit=send_form(sign_out_device)>
                                                <input type="hidden" name="id" value=d.id />
                                                <button type="submit" class="btn btn-small">"Sign out"</button>
                                            </form>
                                        </td>
                                    </tr>
                                }
                            }).collect_any())}
            </DataTable>
            <form method="post" action=SignOutOtherDevices::url() on:submit=send_form(sign_out_others)>
                <button type="submit" class="btn">"Sign out everywhere else"</button>
            </form>
        </section>

        <ChangeEmailForm change=email_change />
        <ChangePasswordForm />
        <TwoStepSection two_step viewer=viewer.clone() />
        <YourData />

        <section class="card">
            <h2>"Security log"</h2>
                {move || log.get().map(|r| view! { <SecurityLogTable events=r.unwrap_or_default() /> })}
        </section>
    }
}

#[component]
fn ChangePasswordForm() -> impl IntoView {
    let action = Sender::<ChangePassword>::new();
    let form = NodeRef::new();
    empty_when_sent(form, action.version(), action.value());
    view! {
        <section class="card">
            <h2>"Change password"</h2>
            <ActionError value=action.value() />
            {move || matches!(action.value().get(), Some(Ok(()))).then(|| view! {
                <div class="alert alert-success">"Password changed. Your other devices were signed out."</div>
            })}
            <form class="form" node_ref=form method="post" action=ChangePassword::url()
                on:submit=send_form(action)>
                <div class="field">
                    <label for="current-password">"Current password"</label>
                    <input id="current-password" name="current_password" type="password" autocomplete="current-password" required />
                </div>
                <div class="field">
                    <label for="new-password">"New password"</label>
                    <input id="new-password" name="new_password" type="password" autocomplete="new-password" maxlength="128" required />
                    <p class="hint">"At least 15 characters."</p>
                </div>
                <button type="submit" class="btn">"Change password"</button>
            </form>
        </section>
    }
}

#[component]
fn YourData() -> impl IntoView {
    let delete = Sender::<DeleteAccount>::new();
    view! {
        <section class="card">
            <h2>"Your data"</h2>
            <p>
                <a class="btn" href="/account/export" download="usnumhub-data.json" rel="external">"Export my data (JSON)"</a>
            </p>
            <h3>"Delete account"</h3>
            <p class="muted">"Your email, username, password, devices and security records are erased, and so are your support messages, the text of SMS you received and your API keys. Wallet ledger entries stay, without your name, as billing law requires. An open lease must be cancelled or finished first; money left in your wallet is not paid out by itself, so ask support for it before you leave. This cannot be undone."</p>
            <ActionError value=delete.value() />
            <form class="form" method="post" action=DeleteAccount::url()
                on:submit=send_form(delete)>
                <div class="field">
                    <label for="delete-password">"Password"</label>
                    <input id="delete-password" name="password" type="password" autocomplete="current-password" required />
                </div>
                <label class="checkbox">
                    <input type="checkbox" name="give_up_balance" value="yes" />
                    <span>"If my wallet still holds money, I give it up."</span>
                </label>
                <label class="checkbox">
                    <input type="checkbox" name="confirm" value="yes" required />
                    <span>"I want to delete my account."</span>
                </label>
                <button type="submit" class="btn btn-danger">"Delete my account"</button>
            </form>
        </section>
    }
}
