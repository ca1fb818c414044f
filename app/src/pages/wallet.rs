use leptos::prelude::*;

use crate::auth::use_viewer;
use crate::components::{announcement::Announcement, copy_button::PublicIdBadge, form::{error_alert, typed_into}, loading::Loading, local_time::LocalTime, page_title::PageTitle, pager::{PageCursor, Pager}};
use crate::domain::{EntryKind, Money};
use crate::site_info::use_site_info;
use crate::top_up_requests::{RequestStatus, TopUpRequest};
use crate::components::{balance_alert::{AlertDraft, BalanceAlertCard}, form::after_success};
use crate::wallet::{MyLedger, MyWallet, SetBalanceAlert};
use crate::wire::Sender;
use crate::reactive::{handler, CollectAny};

#[component]
pub fn WalletPage() -> impl IntoView {
    let viewer = use_viewer();
    let wallet = crate::wire::resource(|| (), |_| MyWallet {});
    let kind = RwSignal::new(String::new());
    let cursor = PageCursor::new();
    let history = crate::wire::resource(move || (kind.get(), cursor.before()), |(kind, before)| MyLedger { kind: Some(kind), before });
    let signed_in = move || viewer.get().is_some();
    let set_alert = Sender::<SetBalanceAlert>::new();
    // Typing kept while the wallet reloads under it (a top-up landing
    // renders its cards again).
    let (recharge_amount, alert_draft) = (RwSignal::new(String::new()), AlertDraft::default());
    after_success(set_alert.version(), set_alert.value(), move || wallet.refetch());
    // A top-up (or a lease's charge or refund) shows without a reload,
    // also one that landed between the render and the stream: the older
    // of the two reads' cursors covers both. Once hydrated (an effect with
    // no dependencies): the rendered data is read outside the render.
    #[cfg(feature = "hydrate")]
    crate::reactive::effect(move || {
        use crate::components::live_updates::{AccountStream, CatchUp};
        if !viewer.signed_in_untracked() {
            return;
        }
        let rendered = (wallet.get_untracked().and_then(|r| r.ok()), history.get_untracked().and_then(|r| r.ok()));
        let catch_up = match rendered {
            (Some(w), Some(h)) => CatchUp::After(w.events_cursor.min(h.events_cursor)),
            _ => CatchUp::Never,
        };
        AccountStream::open(catch_up, move || {
            wallet.refetch();
            history.refetch();
        });
    });

    // Screen readers hear a balance change this page saw happen (a top-up
    // awaited here), not the balance it loaded with.
    let announcement = RwSignal::new(String::new());
    let mut before = None::<Money>;
    crate::reactive::effect(move || {
        let now = wallet.get().and_then(|r| r.ok()).map(|w| w.balance);
        if let (Some(before), Some(now)) = (before, now) {
            if before != now {
                announcement.set(format!("Your balance is now {now}."));
            }
        }
        before = now.or(before);
    });

    view! {
        <PageTitle text="Wallet" />
        <h1>"Wallet"</h1>
        <Loading fallback=|| view! { <p>"Loading…"</p> }>
            // All resources are read in the first pass (no waterfall; see
            // the Get Number page).
            {move || if (wallet.track(), history.track(), !signed_in()).2 {
                view! {
                    <section class="card narrow">
                        <p>"Sign in to see your wallet."</p>
                        <a class="btn btn-primary" href="/sign-in?next=/wallet">"Sign in"</a>
                    </section>
                }.into_any()
            } else {
                view! {
                    {move || wallet.get().map(|r| match r {
                        Ok(w) => view! {
                            <Balance balance=w.balance public_id=w.public_id request=w.top_up_request amount=recharge_amount />
                            <BalanceAlertCard threshold=w.balance_alert balance=w.balance action=set_alert draft=alert_draft />
                        }.into_any(),
                        Err(e) => error_alert(&e),
                    })}
                    <section class="card">
                        <div class="row-between">
                            <h2>"History"</h2>
                            <label class="inline-field">
                                "Show "
                                <select
                                    data-testid="kind-filter"
                                    on:change=handler(move |ev| {
                                        kind.set(event_target_value(&ev));
                                        cursor.reset();
                                    })
                                >
                                    <option value="">"All"</option>
                                    {EntryKind::ALL.map(|k| view! { <option value=k.as_str()>{k.label()}</option> })}
                                </select>
                            </label>
                        </div>
                        <div class="table-wrap" role="region" aria-label="Wallet history" tabindex="0">
                            <table class="table stacked ledger-table" data-testid="ledger">
                                <thead>
                                    <tr><th>"When"</th><th>"What"</th><th class="num">"Amount"</th><th class="num">"Balance after"</th></tr>
                                </thead>
                                <tbody>
                                    {move || history.get().map(|r| match r {
                                        Ok(page) if page.entries.is_empty() => view! {
                                            <tr><td colspan="4" class="muted">"No entries yet."</td></tr>
                                        }.into_any(),
                                        Ok(page) => page.entries.into_iter().map(|e| view! {
                                            <tr data-testid="ledger-row">
                                                <td><LocalTime millis=e.at /></td>
                                                <td>{e.description}</td>
                                                <td class="num" class:credit=e.amount.is_positive()>{e.amount.to_string()}</td>
                                                <td class="num" data-label="Balance">{e.balance_after.to_string()}</td>
                                            </tr>
                                        }).collect_any().into_any(),
                                        Err(e) => view! { <tr><td colspan="4">{e.to_string()}</td></tr> }.into_any(),
                                    })}
                                </tbody>
                            </table>
                        </div>
                        <Pager cursor next=Signal::derive(move || history.get().and_then(|r| r.ok()).and_then(|p| p.next_before)) />
                        <Statement />
                    </section>
                }.into_any()
            }}
        </Loading>
        <Announcement text=announcement />
    }
}

/// The wallet's entries as a CSV file: a plain form, so the browser
/// downloads what the server sends.
#[component]
fn Statement() -> impl IntoView {
    view! {
        <form class="statement-form" method="get" action="/wallet/statement.csv" data-testid="statement-form">
            <label class="inline-field">"From " <input type="date" name="from" /></label>
            <label class="inline-field">"to " <input type="date" name="to" /></label>
            <button type="submit" class="btn btn-small">"Download statement (CSV)"</button>
            <p class="muted small">"Dates are UTC days; leave them empty for the last 366 days."</p>
        </form>
    }
}

#[component]
fn Balance(balance: Money, public_id: String, request: Option<TopUpRequest>, amount: RwSignal<String>) -> impl IntoView {
    let site = use_site_info();
    let request = RwSignal::new(request);
    // The link still opens WhatsApp; with an amount typed, the request
    // also goes on the admins' list.
    let put_on_list = move |_| {
        #[cfg(feature = "hydrate")]
        if let Ok(typed) = Money::parse(&amount.get_untracked(), false) {
            leptos::task::spawn_local(async move {
                if let Ok(made) = crate::wire::call(crate::top_up_requests::RequestTopUp { amount: typed.decimal() }).await {
                    request.set(Some(made));
                }
            });
        }
    };
    let amount_error = move || {
        let a = amount.get();
        if a.trim().is_empty() { None } else { Money::parse(&a, false).err() }
    };
    let id_for_link = public_id.clone();
    let link = move || {
        let info = &site;
        let typed = Money::parse(&amount.get(), false).ok();
        let message = match typed {
            Some(m) => format!("Hello, please top up my {} wallet. User ID: {id_for_link}. Amount: {m}.", info.brand_name),
            None => format!("Hello, please top up my {} wallet. User ID: {id_for_link}.", info.brand_name),
        };
        Some(info.whatsapp_link(&message))
    };
    view! {
        <section class="card wallet-balance">
            <p class="muted">"Balance"</p>
            <p class="balance" data-testid="balance">{balance.to_string()}</p>
            <p>"Your user ID: " <PublicIdBadge public_id=public_id.clone() /></p>
        </section>
        <section class="card">
            <h2>"Recharge"</h2>
            <p>"Top-ups are made by hand: send us your user ID and the amount on WhatsApp, pay as we tell you, and the money appears here with an entry below; we email you when it does. The button also puts the amount on our list of requests."</p>
            <RequestLine request />
            <div class="field narrow-field">
                <label for="recharge-amount">"Amount (USD)"</label>
                <input id="recharge-amount" inputmode="decimal" placeholder="10.00" prop:value=amount on:input=typed_into(amount) />
                <p class="error">{amount_error}</p>
            </div>
            <Loading fallback=|| ()>
                <a class="btn btn-primary" data-testid="whatsapp-recharge" target="_blank" rel="noopener" href=link on:click=handler(put_on_list)>"Recharge via WhatsApp"</a>
            </Loading>
            <p class="muted small">"Top-ups are not refundable through the app; for a billing question, contact " <a href="/support">"support"</a> ". See " <a href="/policies#wallet">"Wallet top-ups"</a> "."</p>
        </section>
    }
}

/// Where the customer's top-up request stands.
#[component]
fn RequestLine(request: RwSignal<Option<TopUpRequest>>) -> impl IntoView {
    let withdraw = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            if crate::wire::call(crate::top_up_requests::WithdrawTopUpRequest {}).await.is_ok() {
                request.set(None);
            }
        });
    };
    move || {
        request.get().map(|r| match r.status {
            RequestStatus::Pending => view! {
                <div class="alert alert-info row-between" data-testid="top-up-request">
                    <span>"Your top-up request: " <strong>{r.amount.to_string()}</strong> ", sent " <LocalTime millis=r.created_at /> ". We credit it once your payment arrives."</span>
                    <button type="button" class="btn btn-small" on:click=handler(withdraw)>"Withdraw"</button>
                </div>
            }
            .into_any(),
            RequestStatus::Credited => view! {
                <div class="alert alert-success" data-testid="top-up-request">
                    "Your request for " <strong>{r.amount.to_string()}</strong> " was credited " <LocalTime millis=r.decided_at.unwrap_or(r.created_at) /> "."
                </div>
            }
            .into_any(),
            RequestStatus::Dismissed => view! {
                <div class="alert alert-warning" data-testid="top-up-request">
                    "Your request for " <strong>{r.amount.to_string()}</strong> " was closed without a top-up. If you paid, write to "
                    <a href="/support">"support"</a> "."
                </div>
            }
            .into_any(),
            RequestStatus::Expired => view! {
                <div class="alert alert-warning" data-testid="top-up-request">
                    "Your request for " <strong>{r.amount.to_string()}</strong> " expired: no payment was credited within "
                    {crate::top_up_requests::OPEN_FOR_DAYS} " days. If you paid, write to " <a href="/support">"support"</a> "."
                </div>
            }
            .into_any(),
            RequestStatus::Withdrawn => ().into_any(),
        })
    }
}
