use leptos::{prelude::*, server_fn::ServerFn};
use leptos_router::hooks::use_query_map;

use crate::auth::{use_viewer, with_next, SignUp};
use crate::components::{form::{inline_error, send_form, typed_into, ActionError}, page_title::PageTitle, password_hint::password_hint};
use crate::domain::{Email, Username};
use crate::wire::Sender;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = Sender::<SignUp>::new();
    use_viewer().follow(action.value());
    let email = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    // A page that sent the visitor here (Get Number with a platform chosen).
    let next = use_query_map().with_untracked(|q| q.get("next"));
    let sign_in = with_next("/sign-in", next.as_deref());
    let email_error = inline_error(email, |v| Email::parse(v).map(|_| ()));
    let username_error = inline_error(username, |v| Username::parse(v).map(|_| ()));
    let password_error = password_hint(password, Some(username), email);

    view! {
        <PageTitle text="Create an account" description="Create an account to rent temporary US numbers for one-time codes." />
        <section class="card narrow">
            <h1>"Create an account"</h1>
            <ActionError value=action.value() />
            <form class="form" novalidate method="post" action=SignUp::url()
                on:submit=send_form(action)>
                {next.clone().map(|next| view! { <input type="hidden" name="next" value=next /> })}
                <div class="field">
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="email" required maxlength="254"
                        prop:value=email on:input=typed_into(email) aria-invalid=move || email_error().is_some().to_string() />
                    <p class="error">{email_error}</p>
                </div>
                <div class="field">
                    <label for="username">"Username"</label>
                    <input id="username" name="username" autocomplete="username" required maxlength="32"
                        prop:value=username on:input=typed_into(username) aria-invalid=move || username_error().is_some().to_string() />
                    <p class="hint">"3 to 32 letters, digits, '_', '.' or '-'."</p>
                    <p class="error">{username_error}</p>
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="new-password" required maxlength="128"
                        prop:value=password on:input=typed_into(password) aria-invalid=move || password_error().is_some().to_string() />
                    <p class="hint">"At least 15 characters. A short sentence you can remember works well."</p>
                    <p class="error">{password_error}</p>
                </div>
                <label class="checkbox">
                    <input type="checkbox" name="adult_and_terms" value="yes" required />
                    <span>"I am 18 or older and accept the " <a href="/policies#terms">"Terms"</a> "."</span>
                </label>
                <button type="submit" class="btn btn-primary">"Create account"</button>
            </form>
            <p class="muted">"Have an account? " <a href=sign_in>"Sign in"</a></p>
        </section>
    }
}
