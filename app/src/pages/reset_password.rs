use leptos::{prelude::*, server_fn::ServerFn};

use crate::auth::{RequestPasswordReset, ResetPassword};
use crate::components::{form::{send_form, typed_into, ActionError}, page_title::PageTitle, password_hint::password_hint};
use crate::wire::Sender;

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let request = Sender::<RequestPasswordReset>::new();
    let reset = Sender::<ResetPassword>::new();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let password_error = password_hint(password, None, email);
    let sent = move || matches!(request.value().get(), Some(Ok(())));

    view! {
        <PageTitle text="Reset your password" />
        <section class="card narrow">
            <h1>"Reset your password"</h1>
            <ActionError value=request.value() />
            <form class="form" method="post" action=RequestPasswordReset::url()
                on:submit=send_form(request)>
                <div class="field">
                    <label for="reset-email">"Email"</label>
                    <input id="reset-email" name="email" type="email" autocomplete="email" required maxlength="254" prop:value=email on:input=typed_into(email) />
                </div>
                <button type="submit" class="btn">"Email me a code"</button>
            </form>
            {move || sent().then(|| view! {
                <div class="alert alert-info" data-testid="reset-sent">"If an account uses this email, a code is on its way. It is valid for 15 minutes."</div>
            })}
            <h2>"Enter the code"</h2>
            <ActionError value=reset.value() />
            <form class="form" method="post" action=ResetPassword::url()
                on:submit=send_form(reset)>
                <input type="hidden" name="email" value=email />
                <div class="field">
                    <label for="reset-code">"Code"</label>
                    <input id="reset-code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="8" required />
                </div>
                <div class="field">
                    <label for="reset-password">"New password"</label>
                    <input id="reset-password" name="password" type="password" autocomplete="new-password" maxlength="128" required prop:value=password on:input=typed_into(password) />
                    <p class="hint">"At least 15 characters. Every device is signed out afterwards."</p>
                    <p class="error">{password_error}</p>
                </div>
                <button type="submit" class="btn btn-primary">"Set the new password"</button>
            </form>
        </section>
    }
}
