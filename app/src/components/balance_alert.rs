//! The Wallet page's "Low-balance email": the threshold under which the
//! customer is mailed (`set_balance_alert`), and turning it off.
use leptos::{prelude::*, server_fn::ServerFn};

use crate::components::form::{send_form, typed_into, ActionError};
use crate::domain::{BalanceAlert, Money};
use crate::wallet::SetBalanceAlert;
use crate::wire::Sender;

/// What the customer types in the card, kept by the page: a wallet reload
/// (a top-up or a charge landing) renders the card again, and the typing
/// must survive it. It starts again from the threshold once that changes
/// (saved, turned off, or changed in another tab).
#[derive(Clone, Copy)]
pub struct AlertDraft {
    typed: RwSignal<String>,
    /// The threshold the typing started from; None before the first render.
    from: StoredValue<Option<Option<Money>>>,
}

impl Default for AlertDraft {
    fn default() -> Self {
        AlertDraft { typed: RwSignal::new(String::new()), from: StoredValue::new(None) }
    }
}

impl AlertDraft {
    fn for_threshold(&self, threshold: Option<Money>) -> RwSignal<String> {
        if self.from.get_value() != Some(threshold) {
            self.from.set_value(Some(threshold));
            self.typed.set(threshold.map(|t| t.decimal()).unwrap_or_default());
        }
        self.typed
    }
}

/// `threshold` is the one set, if any; the page that owns `action`
/// reloads the wallet when it succeeds, and keeps `draft`.
#[component]
pub fn BalanceAlertCard(threshold: Option<Money>, balance: Money, action: Sender<SetBalanceAlert>, draft: AlertDraft) -> impl IntoView {
    let typed = draft.for_threshold(threshold);
    // Told while typing, as the server would say it on Save.
    let typed_error = move || BalanceAlert::parse(&typed.get()).err();
    let state = match threshold {
        Some(t) if balance < t => view! {
            <p data-testid="balance-alert-state">
                "We email you when your balance falls below " <strong>{t.to_string()}</strong> ". "
                "It is below that now, so the first mail comes after a top-up takes it back up and it falls again."
            </p>
        }
        .into_any(),
        Some(t) => view! {
            <p data-testid="balance-alert-state">"We email you when your balance falls below " <strong>{t.to_string()}</strong> ", once each time."</p>
        }
        .into_any(),
        None => view! {
            <p data-testid="balance-alert-state">"Get an email when your balance runs low, before a number or an API call is refused for want of money."</p>
        }
        .into_any(),
    };
    view! {
        <section class="card" data-testid="balance-alert">
            <h2>"Low-balance email"</h2>
            {state}
            <form class="form-inline" method="post" action=SetBalanceAlert::url() on:submit=send_form(action)>
                <div class="field narrow-field">
                    <label for="balance-alert-amount">"Email me when my balance falls below (USD)"</label>
                    <input id="balance-alert-amount" name="amount" inputmode="decimal" placeholder="5.00" prop:value=typed on:input=typed_into(typed) />
                    <p class="error">{typed_error}</p>
                </div>
                <button class="btn" type="submit">"Save"</button>
            </form>
            {threshold.map(|_| view! {
                <form method="post" action=SetBalanceAlert::url() on:submit=send_form(action)>
                    <input type="hidden" name="amount" value="" />
                    <button class="btn btn-small" type="submit">"Turn off"</button>
                </form>
            })}
            <ActionError value=action.value() />
        </section>
    }
}
