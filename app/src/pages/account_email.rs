//! Account page: moving the account to another email address, in two
//! steps: the new address and the password, then the code mailed there.
use leptos::{html, prelude::*, server_fn::ServerFn};

use crate::account::{PendingEmailChange, AbandonEmailChange, ConfirmEmailChange, RequestEmailChange};
use crate::auth::use_viewer;
use crate::components::form::{send_form, ActionError};
use crate::wire::Sender;
use crate::reactive::handler;

/// The change's state. Made at the page's top: the account details are
/// drawn again when the viewer changes, and this must outlive that.
#[derive(Clone, Copy)]
pub struct EmailChange {
    request: Sender<RequestEmailChange>,
    confirm: Sender<ConfirmEmailChange>,
    abandon: Sender<AbandonEmailChange>,
    /// The address a live code went to when the page loaded: a reload (or
    /// a phone dropping the tab while its owner reads the mail) keeps the
    /// code step.
    waiting: crate::wire::Fetched<Option<String>>,
    /// What this visit decided since: `Some(address)` after a code was
    /// sent, `Some(None)` after the change was made or abandoned.
    decided: RwSignal<Option<Option<String>>>,
}

impl EmailChange {
    pub fn create() -> Self {
        let change = EmailChange {
            request: Sender::new(),
            confirm: Sender::new(),
            abandon: Sender::new(),
            waiting: crate::wire::resource(|| (), |_| PendingEmailChange {}),
            decided: RwSignal::new(None),
        };
        use_viewer().follow(change.confirm.value());
        crate::reactive::effect(move || {
            if let Some(Ok(address)) = change.request.value().get() {
                change.confirm.value().clear();
                change.decided.set(Some(Some(address)));
            }
        });
        crate::reactive::effect(move || {
            if let Some(Ok(_)) = change.confirm.value().get() {
                change.decided.set(Some(None));
            }
        });
        change
    }

    /// The address waiting for its code, if any. Read where the form is
    /// drawn, inside the page's Transition; also tracking it in that
    /// Transition's first pass broke the page's hydration (the devices
    /// table hydrated empty), so it is not.
    fn pending(&self) -> Option<String> {
        self.decided.get().unwrap_or_else(|| self.waiting.get().and_then(Result::ok).flatten())
    }
}

#[component]
pub fn ChangeEmailForm(change: EmailChange) -> impl IntoView {
    let EmailChange { request, confirm, abandon, decided, .. } = change;
    let changed = move || confirm.value().get().and_then(Result::ok).flatten().map(|v| v.email);
    view! {
        <section class="card" id="change-email">
            <h2>"Change email"</h2>
            {move || changed().map(|email| view! {
                <div class="alert alert-success" role="status">"Your email is now " <strong>{email}</strong> "."</div>
            })}
            {move || match change.pending() {
                None => view! {
                    <ActionError value=request.value() />
                    <ActionError value=abandon.value() />
                    <form class="form" method="post" action=RequestEmailChange::url()
                        on:submit=send_form(request)>
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
                    </form>
                }.into_any(),
                Some(address) => {
                    // Focus follows the user's own step, not a page load.
                    let focus = decided.get_untracked().is_some();
                    view! { <CodeStep address decided confirm abandon focus /> }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn CodeStep(
    address: String,
    decided: RwSignal<Option<Option<String>>>,
    confirm: Sender<ConfirmEmailChange>,
    abandon: Sender<AbandonEmailChange>,
    focus: bool,
) -> impl IntoView {
    let code_input = NodeRef::<html::Input>::new();
    // After the user sent the first step, the focus goes where they type
    // next, not back to the top of the page.
    crate::reactive::effect(move || {
        if let Some(input) = code_input.get().filter(|_| focus) {
            let _ = input.focus();
        }
    });
    view! {
        <p>"We sent a 6-digit code to " <strong data-testid="email-change-address">{address}</strong> ". Enter it to make that address your email."</p>
        <ActionError value=confirm.value() />
        <form class="form" method="post" action=ConfirmEmailChange::url() on:submit=send_form(confirm)>
            <div class="field">
                <label for="email-change-code">"Code"</label>
                <input id="email-change-code" node_ref=code_input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 \\-]{6,8}" maxlength="8" required />
            </div>
            <button type="submit" class="btn btn-primary">"Change email"</button>
        </form>
        // The code mailed there stops working too, so a reload does not
        // bring this step back.
        <button type="button" class="btn" on:click=handler(move |_| {
            abandon.dispatch(AbandonEmailChange {});
            decided.set(Some(None));
        })>"Use another address"</button>
    }
}
