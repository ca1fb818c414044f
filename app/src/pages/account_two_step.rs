//! Account page: two-step sign-in. Set up with an authenticator app (a QR
//! code or the secret typed in), put in force by a first code, which also
//! shows the recovery codes once; turned off with the password and a code.
use leptos::{prelude::*, server_fn::ServerFn};
use crate::reactive::CollectAny;

use crate::auth::{use_viewer, Viewer};
use crate::components::{copy_button::CopyButton, form::{send_form, ActionError}};
use crate::site_info::use_site_info;
use crate::two_step::{BeginTwoStep, DisableTwoStep, EnableTwoStep, RenewRecoveryCodes};
use crate::wire::Sender;

/// The section's state. Made at the page's top: the account details are
/// drawn again when the viewer changes, and the recovery codes on screen
/// must outlive that.
#[derive(Clone, Copy)]
pub struct TwoStep {
    begin: Sender<BeginTwoStep>,
    enable: Sender<EnableTwoStep>,
    disable: Sender<DisableTwoStep>,
    renew: Sender<RenewRecoveryCodes>,
}

impl TwoStep {
    pub fn create() -> Self {
        let two_step = TwoStep {
            begin: Sender::new(),
            enable: Sender::new(),
            disable: Sender::new(),
            renew: Sender::new(),
        };
        let viewer = use_viewer();
        crate::reactive::effect(move || {
            if let Some(Ok(_)) = two_step.enable.value().get() {
                viewer.set_two_step(true);
                two_step.disable.value().clear();
            }
        });
        crate::reactive::effect(move || {
            if let Some(Ok(())) = two_step.disable.value().get() {
                viewer.set_two_step(false);
                // The setup and the codes shown belong to what just ended.
                two_step.begin.value().clear();
                two_step.enable.value().clear();
                two_step.renew.value().clear();
            }
        });
        two_step
    }

    /// Counts the times this visit turned it on (tracked), which signs
    /// the other devices out: for the lists that show them.
    pub fn turned_on(self) -> usize {
        self.enable.version().get()
    }

    /// The recovery codes made by this visit's last setup or renewal.
    fn fresh_codes(self) -> Option<Vec<String>> {
        match (self.renew.value().get(), self.enable.value().get()) {
            (Some(Ok(codes)), _) | (_, Some(Ok(codes))) => Some(codes),
            _ => None,
        }
    }
}

#[component]
pub fn TwoStepSection(two_step: TwoStep, viewer: Viewer) -> impl IntoView {
    // Staff lose the admin console while it is off, where it is required.
    let staff_need_it = viewer.role.is_staff() && use_site_info().admin_two_step;
    view! {
        <section class="card" id="two-step" data-testid="two-step">
            <h2>"Two-step sign-in"</h2>
            {staff_need_it.then(|| view! {
                <p class="alert alert-info">"Staff need two-step sign-in on to use the admin console."</p>
            })}
            {if viewer.two_step { view! { <TwoStepOn two_step /> }.into_any() } else { view! { <TwoStepOff two_step /> }.into_any() }}
        </section>
    }
}

#[component]
fn TwoStepOff(two_step: TwoStep) -> impl IntoView {
    let TwoStep { begin, enable, disable, .. } = two_step;
    let brand = use_site_info().brand_name;
    view! {
        {move || matches!(disable.value().get(), Some(Ok(()))).then(|| view! {
            <div class="alert alert-success" role="status">"Two-step sign-in is off. Signing in asks only for your password."</div>
        })}
        {move || match begin.value().get() {
            Some(Ok(setup)) => view! {
                <p>"1. In your authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, Aegis…), add an account: scan this code, or type the key below."</p>
                <div class="qr-code" role="img" aria-label="QR code for your authenticator app" inner_html=setup.qr_svg></div>
                <p>"Key: " <code class="mono" data-testid="two-step-secret">{setup.secret.clone()}</code> " " <CopyButton text=setup.secret.replace(' ', "") label="Copy key" /></p>
                <p>"2. Enter the 6-digit code the app now shows for " {brand.clone()} ". Your other devices are then signed out: they signed in with the password alone."</p>
                <ActionError value=enable.value() />
                <form class="form" method="post" action=EnableTwoStep::url() on:submit=send_form(enable)>
                    <div class="field">
                        <label for="two-step-first-code">"Code from the app"</label>
                        <input id="two-step-first-code" name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="7" required />
                    </div>
                    <button type="submit" class="btn btn-primary">"Turn on two-step sign-in"</button>
                </form>
            }.into_any(),
            _ => view! {
                <p>"Off. With two-step sign-in, signing in also asks for a code from an app on your phone, so a stolen password alone cannot reach your wallet."</p>
                <ActionError value=begin.value() />
                <form class="form" method="post" action=BeginTwoStep::url() on:submit=send_form(begin)>
                    <div class="field">
                        <label for="two-step-password">"Password"</label>
                        <input id="two-step-password" name="password" type="password" autocomplete="current-password" required />
                    </div>
                    <button type="submit" class="btn">"Set up two-step sign-in"</button>
                </form>
            }.into_any(),
        }}
    }
}

#[component]
fn TwoStepOn(two_step: TwoStep) -> impl IntoView {
    let TwoStep { disable, renew, .. } = two_step;
    view! {
        <p><span class="badge badge-success">"on"</span> " Signing in asks for a code from your authenticator app after your password."</p>
        {move || two_step.fresh_codes().map(|codes| view! {
            <div class="alert alert-warning" role="status">
                <p><strong>"Your recovery codes. "</strong>"Each works once, in place of an app code, if you lose your phone. Keep them somewhere safe (a password manager, or on paper); they are not shown again."</p>
                <ol class="recovery-codes mono" data-testid="recovery-codes">
                    {codes.iter().map(|c| view! { <li>{c.clone()}</li> }).collect_any()}
                </ol>
                <CopyButton text=codes.join("\n") label="Copy codes" />
            </div>
        })}
        <h3>"New recovery codes"</h3>
        <p class="muted">"The codes you have stop working."</p>
        <ActionError value=renew.value() />
        <form class="form" method="post" action=RenewRecoveryCodes::url() on:submit=send_form(renew)>
            <div class="field">
                <label for="renew-codes-password">"Password"</label>
                <input id="renew-codes-password" name="password" type="password" autocomplete="current-password" required />
            </div>
            <button type="submit" class="btn">"Make new recovery codes"</button>
        </form>
        <h3>"Turn off"</h3>
        <ActionError value=disable.value() />
        <form class="form" method="post" action=DisableTwoStep::url()
            on:submit=send_form(disable)>
            <div class="field">
                <label for="two-step-off-password">"Password"</label>
                <input id="two-step-off-password" name="password" type="password" autocomplete="current-password" required />
            </div>
            <div class="field">
                <label for="two-step-off-code">"Code from the app, or a recovery code"</label>
                <input id="two-step-off-code" name="code" autocomplete="one-time-code" maxlength="20" required />
            </div>
            <button type="submit" class="btn btn-danger">"Turn off two-step sign-in"</button>
        </form>
    }
}
