use leptos::{prelude::*, server_fn::ServerFn};
use leptos_router::hooks::use_query_map;

use crate::auth::{use_viewer, ResendVerification, VerifyEmail};
use crate::components::{form::{send_form, ActionError}, loading::Loading, page_title::PageTitle};
use crate::wire::Sender;

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let verify = Sender::<VerifyEmail>::new();
    let resend = Sender::<ResendVerification>::new();
    use_viewer().follow(verify.value());
    let viewer = use_viewer();
    let email = move || viewer.get().map(|v| v.email).unwrap_or_default();

    view! {
        <PageTitle text="Verify your email" />
        <section class="card narrow">
            <h1>"Verify your email"</h1>
            <Loading fallback=|| ()>
                <p>"We sent a 6-digit code to " <strong data-testid="verify-email-address">{email}</strong> ". It is valid for 15 minutes."</p>
            </Loading>
            <ActionError value=verify.value() />
            <form class="form" method="post" action=VerifyEmail::url()
                on:submit=send_form(verify)>
                {use_query_map().with_untracked(|q| q.get("next")).map(|next| view! { <input type="hidden" name="next" value=next /> })}
                <div class="field">
                    <label for="code">"Code"</label>
                    <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 \\-]{6,8}" maxlength="8" required />
                </div>
                <button type="submit" class="btn btn-primary">"Verify"</button>
            </form>
            <p class="muted small">"Wrong address? " <a href="/account#change-email">"Change it on your account page"</a> "."</p>
            <ActionError value=resend.value() />
            {move || matches!(resend.value().get(), Some(Ok(()))).then(|| view! { <div class="alert alert-success">"A new code is on its way."</div> })}
            <form method="post" action=ResendVerification::url() on:submit=send_form(resend)>
                <button type="submit" class="btn">"Send a new code"</button>
            </form>
        </section>
    }
}
