//! The Policies page: privacy, security, terms, refunds, wallet, contact.
//! Every operator-dependent value comes from `SiteInfo` (configuration).
use leptos::prelude::*;
use crate::components::{page_title::PageTitle, server_text::{ServerText, Text}};
#[cfg(feature = "ssr")]
use crate::site_info::SiteInfo;
use crate::reactive::handler;

/// The day the text below last changed in substance: shown on the page,
/// recorded as the terms each new account accepts, and the sitemap's date
/// for this page. The test below fails when this file changes.
pub const POLICIES_LAST_UPDATED: &str = "2026-12-05";

const SECTIONS: [(&str, &str); 6] = [
    ("privacy", "Privacy"),
    ("security", "Security"),
    ("terms", "Terms of service"),
    ("refunds", "Refunds"),
    ("wallet", "Wallet top-ups"),
    ("contact", "Contact"),
];

#[component]
pub fn PoliciesPage() -> impl IntoView {
    let active = RwSignal::new(SECTIONS[0].0);
    follow_scroll(active);

    view! {
        <PageTitle text="Policies" description="How leases, refunds, wallets, accounts and your data work: the rules we keep." />
        <div class="policies">
            <aside class="toc" aria-label="On this page">
                <p class="toc-title">"On this page"</p>
                <ol>
                    {SECTIONS
                        .map(|(id, label)| {
                            view! {
                                <li>
                                    <a
                                        href=format!("#{id}")
                                        class:active=move || active.get() == id
                                        aria-current=move || (active.get() == id).then_some("true")
                                        on:click=handler(move |_| active.set(id))
                                    >
                                        {label}
                                    </a>
                                </li>
                            }
                        })}
                </ol>
            </aside>
            <article class="policy-text">
                <h1>"Policies"</h1>
                <p class="muted" data-testid="last-updated">
                    "Last updated: " <time datetime=POLICIES_LAST_UPDATED>{POLICIES_LAST_UPDATED}</time>
                </p>
                <ServerText text=Text::Policies />
            </article>
        </div>
    }
}

/// Marks the section nearest the top of the viewport as active while the
/// reader scrolls (browser only; the server renders the first as active).
fn follow_scroll(active: RwSignal<&'static str>) {
    #[cfg(feature = "hydrate")]
    crate::reactive::effect(move || {
        let handle = window_event_listener(leptos::ev::scroll, move |_| {
            let doc = document();
            let mut current = SECTIONS[0].0;
            for (id, _) in SECTIONS {
                if let Some(el) = doc.get_element_by_id(id) {
                    if el.get_bounding_client_rect().top() <= 120.0 {
                        current = id;
                    }
                }
            }
            // At the very bottom the last sections may never reach the top.
            let win = window();
            let scrolled = win.scroll_y().unwrap_or(0.0) + win.inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(0.0);
            let total = doc.document_element().map(|e| e.scroll_height() as f64).unwrap_or(0.0);
            if total > 0.0 && scrolled >= total - 2.0 {
                current = SECTIONS[SECTIONS.len() - 1].0;
            }
            if active.get_untracked() != current {
                active.set(current);
            }
        });
        on_cleanup(move || handle.remove());
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = active;
}

/// The policies themselves, rendered by the server only (`ServerText`).
#[cfg(feature = "ssr")]
pub(crate) fn policy_text(site: SiteInfo) -> impl IntoView {
    let brand = site.brand_name.clone();
    let lease = site.default_lease_minutes;
    let reuse = match site.number_reuse_after_code_days {
        None => "never again for the same platform it received a code for".to_owned(),
        Some(1) => "not for the same platform it received a code for until a day later".to_owned(),
        Some(days) => format!("not for the same platform it received a code for until {days} days later"),
    };
    let sms_hours = site.sms_retention_hours;
    let log_days = site.security_log_retention_days;
    let ledger_years = site.ledger_retention_years;
    let wa_link = site.whatsapp_link("");
    let wa_display = site.whatsapp_display();
    let email = site.support_email.clone();
    let mailto = format!("mailto:{email}");

    view! {
        <section id="privacy">
            <h2>"Privacy"</h2>
            <h3>"What we collect"</h3>
            <ul>
                <li>"Your account: email address, username, a password hash (never the password itself), your two-step sign-in key if you turned it on (encrypted) and your recovery codes (as hashes only), your public user ID, and when you confirmed that you are 18 or older and accepted these terms."</li>
                <li>"Your wallet: every top-up, charge and refund as a ledger entry."</li>
                <li>"Your leases: the platform you chose, the number, the times, the SMS received on it, whether you told us the platform refused the number, and any label you gave it."</li>
                <li>"Security records: for each sign-in and each device, the IP address, the browser and the time."</li>
                <li>"Messages you send to support, and our replies; notes our support staff write about your account for each other (such as a refund given by hand), which are part of your download below."</li>
                <li>"API keys you make: their names, callback addresses, and when they were made, last used and revoked (the keys themselves only as hashes)."</li>
                <li>"Platforms you asked us to email you about once they have numbers again, for at most a week."</li>
                <li>"The balance under which you asked us to email you, if you did."</li>
            </ul>
            <h3>"How we use it"</h3>
            <p>
                "Only to run " {brand.clone()}
                ": to sign you in, to deliver codes to you, to keep your wallet correct, to answer support requests, and to detect abuse. We do not sell your data and we do not use it for advertising."
            </p>
            <h3>"Cookies and sessions"</h3>
            <p>"We set only the cookies that sign-in needs: a short-lived access token and a refresh token, both httpOnly (page scripts cannot read them) and limited to this site. If you choose a light or dark theme at the foot of the page, a cookie remembers that choice on this browser. No tracking or advertising cookies. You can see each signed-in device on your Account page and sign it out."</p>
            <h3>"How long we keep it"</h3>
            <ul>
                <li>"SMS text: " <strong>{sms_hours} " hours"</strong> " after the lease ends, then it is erased."</li>
                <li>"Security records (sign-ins, devices): " <strong>{log_days} " days"</strong> "."</li>
                <li>"Ledger entries: " <strong>{ledger_years} " years"</strong> ", as billing law requires, also after you delete your account."</li>
                <li>"When you delete your account, your personal data is removed or anonymised; only the ledger entries above remain, no longer tied to your email or username."</li>
            </ul>
            <p>"You can download all of it as one JSON file from your Account page at any time; only secrets (password and key hashes, two-step keys) are left out."</p>
        </section>

        <section id="security">
            <h2>"Security"</h2>
            <ul>
                <li><strong>"Protected sign-in. "</strong> "Passwords are stored only as slow, salted hashes (argon2id). New accounts verify their email with a code; a forgotten password is reset with a code sent by email, which also signs out every device. You can turn on two-step sign-in on your Account page: signing in then also asks for a code from an authenticator app on your phone, or one of ten single-use recovery codes. Turning it on signs out your other devices; a password reset does not turn it off."</li>
                <li><strong>"Encrypted connections. "</strong> "The service is served over HTTPS; session cookies are marked Secure and never sent over plain connections."</li>
                <li><strong>"Account safeguards. "</strong> "Repeated failed sign-ins are slowed down and then locked; sign-ins, devices and password changes are recorded with IP, browser and time, and you can read your own record and sign out any device. Once your email address is verified, we email you when your password is changed or reset (naming any API keys that still work), when someone signs in from a new kind of browser, when your email address is changed, when an API key is made (or revoked by our support), and when two-step sign-in is turned off or a recovery code is used. Staff tools are open to our staff only (support staff reach the support inbox and customers' records, never wallets, prices or numbers), and every staff action is recorded."
                    {site.admin_two_step.then_some(" Staff must use two-step sign-in to reach them.")}
                </li>
                <li><strong>"Wallet integrity. "</strong> "Every change to a balance is an entry in an append-only ledger tied to your account, written together with the balance in one step. Nothing is overwritten or lost, and a repeated request never charges twice."</li>
            </ul>
        </section>

        <section id="terms">
            <h2>"Terms of service"</h2>
            <ul>
                <li><strong>"18+ only. "</strong> "You must be 18 or older to open an account."</li>
                <li><strong>"Legitimate use only. "</strong> "Use the numbers to receive your own verification codes. Fraud, spam, harassment, evading bans, or anything unlawful is forbidden and ends the account."</li>
                <li><strong>"Third-party rules. "</strong> "The platforms you verify with have their own terms; you are responsible for following them. A platform may refuse or later block a temporary number; that is outside our control."</li>
                <li><strong>"Choose the platform first. "</strong> "You pick the platform before requesting a number. A number is rented for that platform only; a code from another platform is not guaranteed, and choosing the wrong platform is not refunded once a code arrived."</li>
                <li>
                    <strong>"Number lease. "</strong>
                    "The price and the lease window are shown before you confirm; if we agreed a discount with you, the prices you see and pay include it, and a change of it, like a change of price, asks you to confirm again. A lease lasts a limited time — by default "
                    <strong>{lease} " minutes"</strong>
                    ", shown with a countdown. The number is yours only during the lease; afterwards it may be rented to someone else, but "
                    {reuse}
                    ". You may take a number you had before back (\"Rent again\" on Your numbers) while it is free, at the price of the day; numbers bought from our suppliers for one lease cannot be."
                </li>
            </ul>
        </section>

        <section id="refunds">
            <h2>"Refunds"</h2>
            <ul>
                <li><strong>"Cancel before a code arrives: "</strong> "the full fee goes back to your wallet at once. If the platform refused the number, say so with the lease's \"… refused it\" button: the refund is the same, and we give that number to others for that platform only when no other is free."</li>
                <li><strong>"Lease expires without a code: "</strong> "the fee is refunded to your wallet automatically."</li>
                <li><strong>"Switch: "</strong> "releases the current number so you can take one for another platform; while no code arrived, the fee is refunded."</li>
                <li><strong>"No refund once a code was received: "</strong> "you got what you paid for, even if the platform later rejects the number."</li>
                <li>"Each lease is refunded at most once, and every refund appears in your wallet history."</li>
            </ul>
        </section>

        <section id="wallet">
            <h2>"Wallet top-ups"</h2>
            <p>
                "You pay for numbers from a prepaid wallet. Top-ups are made by hand by our staff: send your public user ID (shown on your Wallet and Account pages, for example "
                <code>"UN-7K3Q9M"</code> ") and the amount over "
                <a href=wa_link.clone()>"WhatsApp"</a>
                " (the Wallet page's button opens WhatsApp with both filled in, and lists your request for our staff until they credit it; you can withdraw it, and it expires after " {crate::top_up_requests::OPEN_FOR_DAYS} " days without a payment). Once your payment is confirmed, the amount appears in your wallet with a ledger entry, and we email you the amount and your new balance. A correction to your balance is emailed too, with its reason. The Wallet page lists every entry, and downloads them as a statement (a CSV file) for any range of days. If you ask there, we email you once each time your balance falls below an amount you choose."
            </p>
            <p>"Wallet balances are not refundable through the app; for a billing question, contact support. A balance never goes below zero."</p>
        </section>

        <section id="contact">
            <h2>"Contact"</h2>
            <ul>
                <li>"WhatsApp: " <a href=wa_link>{wa_display}</a></li>
                <li>"Email: " <a href=mailto>{email}</a></li>
                <li>"In the app: the Support page, where you can follow your requests. Once your email address is verified, we email you support's answers (one mail until you have read it, however many follow)."</li>
            </ul>
            {site.demo_mode.then(|| view! {
                <p class="alert alert-info">"This installation runs in demo mode: numbers come from the fictional 555-01xx range (like (202) 555-0123) and no real SMS is received."</p>
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    /// A tripwire for `POLICIES_LAST_UPDATED`: this file's text before the
    /// tests, digested. The policies changed some fifteen times under their
    /// first date. When this fails: if the policies now say something else,
    /// move the date to today; then put the new digest here.
    const DIGEST: u64 = 0x10aa2912f2fd3968;

    #[test]
    fn the_policies_date_moves_with_their_text() {
        let source = include_str!("policies.rs");
        let text = &source[..source.find("#[cfg(test)]").unwrap_or(source.len())];
        // FNV-1a: the same on every Rust release, unlike std's hasher.
        let digest = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        assert_eq!(digest, DIGEST, "policies.rs changed: if the policies say something else, move POLICIES_LAST_UPDATED to today; then set DIGEST to {digest:#x}");
    }
}
