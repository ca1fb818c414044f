//! Account page: moving the account to another email address, in two
//! steps: the new address and the password, then the code mailed there.
use leptos::{html, prelude::*};

use crate::account::{ConfirmEmailChange, RequestEmailChange};
use crate::auth::use_viewer;
use crate::components::form::ActionError;

/// The change's state. Made at the page's top: the account details are
/// drawn again when the viewer changes, and this must outlive that.
#[derive(Clone, Copy)]
pub struct EmailChange {
    request: ServerAction<RequestEmailChange>,
    confirm: ServerAction<ConfirmEmailChange>,
    /// The address a code went to, until it is confirmed or abandoned.
    pending: RwSignal<Option<String>>,
}

impl EmailChange {
    pub fn create() -> Self {
        let change = EmailChange { request: ServerAction::new(), confirm: ServerAction::new(), pending: RwSignal::new(None) };
        use_viewer().follow(change.confirm.value());
        Effect::new(move |_| {
            if let Some(Ok(address)) = change.request.value().get() {
                change.confirm.value().set(None);
                change.pending.set(Some(address));
            }
        });
        Effect::new(move |_| {
            if let Some(Ok(_)) = change.confirm.value().get() {
                change.pending.set(None);
            }
        });
        change
    }
}

#[component]
pub fn ChangeEmailForm(change: EmailChange) -> impl IntoView {
    let EmailChange { request, confirm, pending } = change;
    let changed = move || confirm.value().get().and_then(Result::ok).flatten().map(|v| v.email);
    view! {
        <section class="card" id="change-email">
            <h2>"Change email"</h2>
            {move || changed().map(|email| view! {
                <div class="alert alert-success" role="status">"Your email is now " <strong>{email}</strong> "."</div>
            })}
            {move || match pending.get() {
                None => view! {
                    <ActionError value=request.value() />
                    <ActionForm action=request attr:class="form">
                        <div class="field">
                            <label for="new-email">"New email"</label>
                            <input id="new-email" name="new_email" type="email" autocomplete="email" maxlength="254" required />
                            <p class="hint">"We send a code there; your email changes when you enter it."</p>
                        </div>
                        <div class="field">
                            <label for="email-change-password">"Your password"</label>
                            <input id="email-change-password" name="password" type="password" autocomplete="current-password" required />
                        </div>
                        <button type="submit" class="btn">"Send code"</button>
                    </ActionForm>
                }.into_any(),
                Some(address) => view! { <CodeStep address pending confirm /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn CodeStep(address: String, pending: RwSignal<Option<String>>, confirm: ServerAction<ConfirmEmailChange>) -> impl IntoView {
    let code_input = NodeRef::<html::Input>::new();
    // This step appears only after the user sent the first: the focus
    // goes where they type next, not back to the top of the page.
    Effect::new(move |_| {
        if let Some(input) = code_input.get() {
            let _ = input.focus();
        }
    });
    view! {
        <p>"We sent a 6-digit code to " <strong data-testid="email-change-address">{address}</strong> ". Enter it to make that address your email."</p>
        <ActionError value=confirm.value() />
        <ActionForm action=confirm attr:class="form">
            <div class="field">
                <label for="email-change-code">"Code"</label>
                <input id="email-change-code" node_ref=code_input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 \\-]{6,8}" maxlength="8" required />
            </div>
            <button type="submit" class="btn btn-primary">"Change email"</button>
        </ActionForm>
        <button type="button" class="btn" on:click=move |_| pending.set(None)>"Use another address"</button>
    }
}
