use leptos::{html, prelude::*, server_fn::ServerFn};
use leptos_router::hooks::use_query_map;

use crate::auth::{use_viewer, with_next, SignIn};
use crate::components::{form::{send_form, ActionError}, page_title::PageTitle};
use crate::error::AppError;
use crate::wire::Sender;

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = Sender::<SignIn>::new();
    use_viewer().follow(action.value());
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next").unwrap_or_default());
    // Once the server asks for the second step, its field stays: the
    // password fields keep what was typed, and the form is sent again.
    let needs_code = RwSignal::new(false);
    let code_input = NodeRef::<html::Input>::new();
    crate::reactive::effect(move || {
        if matches!(action.value().get(), Some(Err(AppError::SecondStepNeeded))) {
            needs_code.set(true);
        }
    });
    crate::reactive::effect(move || {
        if let Some(input) = code_input.get() {
            let _ = input.focus();
        }
    });

    view! {
        <PageTitle text="Sign in" />
        <section class="card narrow">
            <h1>"Sign in"</h1>
            {move || query.with(|q| q.get("reset").is_some()).then(|| view! {
                <div class="alert alert-success">"Your password is set. Sign in with it; every device was signed out."</div>
            })}
            <ActionError value=action.value() />
            <form class="form" method="post" action=SignIn::url()
                on:submit=send_form(action)>
                <input type="hidden" name="next" value=next />
                <div class="field">
                    <label for="login">"Email or username"</label>
                    <input id="login" name="login" autocomplete="username" required maxlength="254" />
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required />
                </div>
                {move || needs_code.get().then(|| view! {
                    <div class="field">
                        <label for="code">"Two-step code"</label>
                        <input id="code" name="code" node_ref=code_input autocomplete="one-time-code" maxlength="20" required />
                        <p class="hint">"The 6-digit code your authenticator app shows, or one of your recovery codes."</p>
                    </div>
                })}
                <button type="submit" class="btn btn-primary">"Sign in"</button>
            </form>
            <p class="muted">
                <a href="/reset-password">"Forgot your password?"</a>
                " · New here? "
                <a href=move || with_next("/sign-up", Some(&next()))>"Create an account"</a>
            </p>
        </section>
    }
}
