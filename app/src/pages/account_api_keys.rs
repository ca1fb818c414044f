//! Account page: the customer's reseller API keys.
use leptos::{prelude::*, server_fn::ServerFn};
use crate::reactive::CollectAny;

use crate::api_keys::{ApiKeyView, CreateApiKey, RevokeApiKey};
use crate::components::{data_table::DataTable, copy_button::CopyButton, form::{empty_when_sent, send_form, ActionError}, local_time::LocalTime};
use crate::wire::Sender;

pub const API_KEY_HEADERS: &[&str] = &["Name", "Key", "Callback", "Created", "Last used", ""];

#[component]
pub fn ApiKeys(
    create: Sender<CreateApiKey>,
    revoke: Sender<RevokeApiKey>,
    keys: crate::wire::Fetched<Vec<ApiKeyView>>,
    email_verified: bool,
) -> impl IntoView {
    let create_form = NodeRef::new();
    empty_when_sent(create_form, create.version(), create.value());
    view! {
        <section class="card" id="api-keys">
            <h2>"API keys"</h2>
            <p class="muted">
                "For bots and scripts that speak the SMS-Activate protocol: point them at our address with one of these keys. "
                <a href="/docs/api">"API documentation"</a>
            </p>
            {(!email_verified).then(|| view! { <div class="alert alert-warning">"Verify your email to create API keys."</div> })}
            <ActionError value=create.value() />
            <ActionError value=revoke.value() />
            {move || create.value().get().and_then(|r| r.ok()).map(|k| view! {
                <div class="alert alert-success" data-testid="new-api-key">
                    <p>"Your key " <strong>{k.name.clone()}</strong> ". Copy it now: it is not shown again."</p>
                    <p><code class="mono">{k.key.clone()}</code> " " <CopyButton text=k.key.clone() /></p>
                    {k.callback_secret.clone().map(|s| view! {
                        <p>"Callback signing secret: " <code class="mono">{s.clone()}</code> " " <CopyButton text=s /></p>
                    })}
                </div>
            })}
            <form class="form form-inline" node_ref=create_form method="post" action=CreateApiKey::url()
                on:submit=send_form(create)>
                <div class="field">
                    <label for="api-key-name">"Name"</label>
                    <input id="api-key-name" name="name" maxlength="40" placeholder="my bot" required />
                </div>
                <div class="field">
                    <label for="api-key-callback">"Callback URL (optional)"</label>
                    <input id="api-key-callback" name="callback_url" type="url" maxlength="500" placeholder="https://bot.example/sms" />
                </div>
                <div class="field">
                    <label for="api-key-password">"Your password"</label>
                    <input id="api-key-password" name="password" type="password" autocomplete="current-password" required />
                </div>
                <button type="submit" class="btn" disabled=!email_verified>"Create key"</button>
            </form>
            <DataTable label="API keys" headers=API_KEY_HEADERS testid="api-keys" stacked=true>
                        {move || keys.get().map(|r| r.unwrap_or_default()).map(|keys| {
                            if keys.is_empty() {
                                return view! { <tr><td colspan="6" class="muted">"No keys yet."</td></tr> }.into_any();
                            }
                            keys.into_iter().map(|k| api_key_row(k, |id| view! {
                                <form method="post" action=RevokeApiKey::url() on:submit=send_form(revoke)>
                                    <input type="hidden" name="key_id" value=id />
                                    <button type="submit" class="btn btn-small">"Revoke"</button>
                                </form>
                            }.into_any())).collect_any().into_any()
                        })}
            </DataTable>
        </section>
    }
}

/// One key in a table of the API keys' headers; `revoke` draws the button
/// of a live key (the owner's and the admin console's send different forms).
pub fn api_key_row(k: ApiKeyView, revoke: impl FnOnce(i64) -> AnyView) -> impl IntoView {
    view! {
        <tr class:muted=k.revoked>
            <td data-label="Name">{k.name}</td>
            <td class="mono" data-label="Key">{format!("{}…", k.prefix)}</td>
            <td class="small" data-label="Callback">{k.callback_url.unwrap_or_else(|| "—".into())}</td>
            <td data-label="Created"><LocalTime millis=k.created_at /></td>
            <td data-label="Last used">{k.last_used_at.map(|at| view! { <LocalTime millis=at /> }.into_any()).unwrap_or_else(|| "never".into_any())}</td>
            <td>{if k.revoked { view! { <span class="badge">"revoked"</span> }.into_any() } else { revoke(k.id) }}</td>
        </tr>
    }
}
