use leptos::prelude::*;

use crate::components::{announcement::Announcement, code_alerts::CodeAlertsButton, copy_button::{CopyButton, PublicIdBadge}, data_table::DataTable, focus::{focus_if_lost, FocusFollows}, form::{error_alert, typed_into, ActionError}, lease_label::{shown_label, LabelForm}, lease_messages::LeaseMessages, loading::Loading, local_time::LocalTime, page_title::{show_title, PageTitle}};
use crate::auth::with_next;
use crate::domain::{Discount, LeaseEvent, LeaseState, UsPhoneNumber};
use crate::get_number::{ListPlatforms, MyLeases, ConfirmLease, LabelLease, LeaseAction, LeaseView, NotifyWhenAvailable, PlatformView};
use crate::wire::Sender;
use crate::reactive::{handler, CollectAny};

#[component]
pub fn GetNumberPage() -> impl IntoView {
    let confirm = Sender::<ConfirmLease>::new();
    let act = Sender::<LeaseAction>::new();
    let notify = Sender::<NotifyWhenAvailable>::new();
    let label = Sender::<LabelLease>::new();
    let poll = RwSignal::new(0usize);
    // A visitor not signed in sees the prices instead of leases, and the
    // browser does not ask for leases it would be refused.
    let signed_in = crate::auth::use_viewer().signed_in_untracked();
    let overview = crate::wire::own_resource(
        signed_in,
        move || (confirm.version().get(), act.version().get(), notify.version().get(), label.version().get(), poll.get()),
        |_| MyLeases {},
    );
    let prices = (!signed_in).then(|| crate::wire::resource(|| (), |_| ListPlatforms {}));
    // "Rent again" links from "Your numbers" name the platform and number.
    let chosen = RwSignal::new(leptos_router::hooks::use_query_map().with_untracked(Choice::from_query));
    // The platform search, kept here while the leases reload under it
    // (a wish to be mailed, a top-up landing).
    let search = RwSignal::new(String::new());
    // News arrive by Server-Sent Events; while those are down and a lease
    // is open, poll every 3 seconds. Set up once hydrated (an effect with
    // no dependencies): the rendered data is read outside the render.
    #[cfg(feature = "hydrate")]
    crate::reactive::effect(move || {
        use crate::components::live_updates::{AccountStream, CatchUp};
        if !signed_in {
            return;
        }
        // The rendered data's cursor, when the server rendered the page
        // (not when it was reached by a link inside the app).
        let catch_up = overview.get_untracked().and_then(|r| r.ok()).map_or(CatchUp::Always, |o| CatchUp::After(o.events_cursor));
        let stream = AccountStream::open(catch_up, move || poll.update(|n| *n += 1));
        // Kept by an effect for the timer: read from a timer, the resource
        // itself is read outside any reactive scope.
        let lease_open = StoredValue::new(false);
        crate::reactive::effect(move || lease_open.set_value(overview.get().and_then(|r| r.ok()).is_some_and(|o| o.open.is_some())));
        let handle = set_interval_with_handle(
            move || {
                if !stream.is_live() && lease_open.get_value() {
                    poll.update(|n| *n += 1);
                }
            },
            std::time::Duration::from_secs(3),
        );
        on_cleanup(move || {
            if let Ok(handle) = handle {
                handle.clear();
            }
        });
    });
    crate::reactive::effect(move || {
        if confirm.version().get() > 0 {
            chosen.set(None);
            // A "Rent again" link's query has served: a reload shows the list.
            #[cfg(feature = "hydrate")]
            if window().location().search().is_ok_and(|q| !q.is_empty()) {
                if let Ok(history) = window().history() {
                    let _ = history.replace_state_with_url(&leptos::wasm_bindgen::JsValue::NULL, "", Some("/get-number"));
                }
            }
        }
    });
    let announcement = announce_lease_news(overview);
    let focus = FocusFollows::provide();

    view! {
        // Visitors see the prices: the page search engines show.
        <PageTitle text="Get Number" description=(!signed_in).then(|| "Today's prices of temporary US numbers for WhatsApp, Telegram, Google and more: pay per code from a prepaid wallet, refunded when no code arrives.".to_owned()) />
        // Clicks (and keys that press buttons) bubble here.
        <div on:click=handler(move |_| focus.acted())>
            <h1>"Get a number"</h1>
            <Loading fallback=|| view! { <p>"Loading…"</p> }>
                // One resource for the whole page (the platforms come with it):
                // each resource costs the server a task and a serialized copy.
                {move || overview.get().map(|r| match r {
                    Err(crate::error::AppError::Unauthenticated) => {
                        let back = come_back_to(chosen.get_untracked());
                        view! {
                            <section class="card narrow">
                                <p>"Sign in to rent a number."</p>
                                <a class="btn btn-primary" href=with_next("/sign-in", Some(&back))>"Sign in"</a>
                                " "
                                <a class="btn" href=with_next("/sign-up", Some(&back))>"Create an account"</a>
                            </section>
                            {prices.and_then(|p| p.get()).and_then(|r| r.ok()).map(|platforms| view! { <PriceList platforms /> })}
                        }.into_any()
                    }
                    Err(e) => error_alert(&e),
                    Ok(o) => view! {
                        <section class="card summary-bar">
                            <span>"Balance " <strong data-testid="gn-balance">{o.balance.to_string()}</strong></span>
                            <span>"Your user ID " <PublicIdBadge public_id=o.public_id.clone() /></span>
                            <a href="/wallet">"Recharge"</a>
                            {(!o.discount.is_none()).then(|| view! { <span data-testid="gn-discount">"Your prices: " {o.discount.to_string()} " off"</span> })}
                        </section>
                        {(!o.email_verified).then(|| view! {
                            <div class="alert alert-warning">"Verify your email before renting a number. " <a href="/verify-email">"Verify now"</a></div>
                        })}
                        <ActionError value=act.value() />
                        <ActionError value=label.value() />
                        {match o.open.clone() {
                            Some(lease) => view! {
                                {chosen.get_untracked().and_then(|c| choice_waits(c, &o.platforms))}
                                <ActiveLease lease server_now=o.now act label />
                            }.into_any(),
                            None => view! {
                                <Chooser
                                    platforms=o.platforms.clone()
                                    recent=crate::get_number::recently_used(&o.platforms, &o.recent)
                                    awaited=o.awaited.clone()
                                    chosen search confirm notify balance=o.balance discount=o.discount
                                />
                            }.into_any(),
                        }}
                        <RecentLeases leases=o.recent.clone() chosen=o.open.is_none().then_some(chosen) />
                    }.into_any(),
                })}
            </Loading>
            // Screen readers hear the code arrive and the lease end.
            <Announcement text=announcement />
        </div>
    }
}

/// Signing in (or up) comes back here, to the platform a link chose.
fn come_back_to(chosen: Option<Choice>) -> String {
    chosen.map_or_else(|| "/get-number".to_owned(), |c| get_number_href(&c.slug, c.again.as_deref()))
}

/// What the page's live region says: a code that arrived, or how the open
/// lease ended, as this page saw it happen (not what it loaded with).
fn announce_lease_news(overview: crate::wire::Fetched<crate::get_number::LeasesOverview>) -> RwSignal<String> {
    let announcement = RwSignal::new(String::new());
    // The open lease and its code, once the data is there (None before).
    let mut before: Option<Option<(i64, Option<String>)>> = None;
    crate::reactive::effect(move || {
        let Some(Ok(o)) = overview.get() else { return };
        let now = o.open.as_ref().map(|l| (l.id, l.code.clone()));
        if let Some(before) = &before {
            match (&o.open, before) {
                (Some(l), _) if before.as_ref() != now.as_ref() => {
                    if let Some(code) = &l.code {
                        announcement.set(format!("Your {} code is {code}.", l.platform));
                        crate::components::code_alerts::notify_code(&l.platform, code);
                    }
                }
                (None, Some((id, _))) => {
                    if let Some(l) = o.recent.iter().find(|l| l.id == *id) {
                        announcement.set(format!("Your {} number ended: {}.", l.platform, l.outcome()));
                    }
                }
                _ => {}
            }
        }
        before = Some(now);
    });
    announcement
}

/// Today's prices, for visitors who have not signed in yet.
#[component]
fn PriceList(platforms: Vec<PlatformView>) -> impl IntoView {
    // The column only once some platform has a record to show.
    let rates = platforms.iter().any(|p| p.code_rate.is_some());
    let headers: &'static [&'static str] =
        if rates { &["Platform", "Price", "Lease window", "Got a code (last week)"] } else { &["Platform", "Price", "Lease window"] };
    view! {
        <section class="card narrow">
            <h2>"Prices"</h2>
            <DataTable label="Prices" headers testid="price-list" stacked=true>
                {platforms.into_iter().map(|p| view! {
                    <tr>
                        <td data-label="Platform">
                            <BrandMark color=p.color class="brand-swatch" /> <a href=crate::pages::platform::platform_page_href(&p.slug)>{p.name}</a>
                            {(!p.available).then(|| view! { " " <span class="small sold-out">"none available right now"</span> })}
                        </td>
                        <td class="num" data-label="Price">{p.price.to_string()}</td>
                        <td data-label="Lease window">{p.lease_minutes} " minutes"</td>
                        {rates.then(|| view! {
                            <td class="num" data-label="Got a code">{p.code_rate.map(|r| format!("{} % of {}", r.percent, r.leases)).unwrap_or_else(|| "–".into())}</td>
                        })}
                    </tr>
                }).collect_any()}
            </DataTable>
            <p class="muted small">"Paid from your wallet. Cancel before a code arrives, or let the window pass without one, and the fee comes back."</p>
        </section>
    }
}

/// A platform's colour (the stylesheet's `class` gives the shape). An SVG
/// fill, because the CSP allows no inline style; without a colour the
/// stylesheet's blue shows.
#[component]
fn BrandMark(color: Option<crate::domain::BrandColor>, class: &'static str) -> impl IntoView {
    view! {
        <svg class=class aria-hidden="true" viewBox="0 0 1 1" preserveAspectRatio="none">
            <rect width="1" height="1" fill=color.map(String::from) />
        </svg>
    }
}

/// Get Number with `platform_slug` chosen, and one of the customer's
/// earlier numbers (E.164) or any.
pub fn get_number_href(platform_slug: &str, number: Option<&str>) -> String {
    match number {
        Some(number) => format!("/get-number?platform={platform_slug}&number={}", number.trim_start_matches('+')),
        None => format!("/get-number?platform={platform_slug}"),
    }
}

/// The page that rents `lease`'s number again ("Your numbers" links it).
pub fn rent_again_href(lease: &LeaseView) -> String {
    get_number_href(&lease.platform_slug, Some(&lease.number))
}

/// What the customer is about to rent: a platform, and one of their
/// earlier numbers or any.
#[derive(Debug, Clone, PartialEq)]
struct Choice {
    slug: String,
    /// E.164; None for any number.
    again: Option<String>,
}

impl Choice {
    /// `?platform=…&number=…`, as "Rent again" links write it.
    fn from_query(query: &leptos_router::params::ParamsMap) -> Option<Choice> {
        let again = query.get("number").and_then(|n| UsPhoneNumber::parse(&n).ok()).map(|n| n.as_str().to_owned());
        query.get("platform").map(|slug| Choice { slug, again })
    }

    /// The platform chosen, as offered now; None when it is not, or when it
    /// has no number to be had and any number was asked for.
    fn platform(&self, platforms: &[PlatformView]) -> Option<PlatformView> {
        platforms.iter().find(|p| p.slug == self.slug && (p.available || self.again.is_some())).cloned()
    }
}

/// A link chose a platform (or an earlier number) while another lease is
/// open: one lease at a time, so the choice waits, and says so.
fn choice_waits(choice: Choice, platforms: &[PlatformView]) -> Option<impl IntoView> {
    let name = platforms.iter().find(|p| p.slug == choice.slug).map(|p| p.name.clone())?;
    let number = choice.again.as_deref().map(|n| format!(" on {}", UsPhoneNumber::display_stored(n)));
    Some(view! {
        <div class="alert alert-info" data-testid="choice-waits">
            "To rent " {name} {number} " as you asked, first end the lease below: "
            "Done once its code has arrived, or Cancel or Switch before. The confirmation then shows here."
        </div>
    })
}

#[component]
fn Chooser(
    platforms: Vec<PlatformView>,
    /// The platforms of the latest leases, offered first.
    recent: Vec<PlatformView>,
    /// Platforms with none to be had that the customer asked to hear of.
    awaited: Vec<String>,
    chosen: RwSignal<Option<Choice>>,
    /// What the search box holds.
    search: RwSignal<String>,
    confirm: Sender<ConfirmLease>,
    notify: Sender<NotifyWhenAvailable>,
    balance: crate::domain::Money,
    /// Included in the platforms' prices; said beside the price.
    discount: Discount,
) -> impl IntoView {
    let platforms = StoredValue::new(platforms);
    let recent = StoredValue::new(recent);
    let awaited = StoredValue::new(awaited);
    let pick = move |p: PlatformView, testid: &'static str| {
        let awaited = awaited.with_value(|a| a.contains(&p.slug));
        view! { <li><PlatformButton platform=p chosen notify awaited testid /></li> }
    };
    view! {
        <ActionError value=confirm.value() />
        <ActionError value=notify.value() />
        {move || match chosen.get().map(|c| (platforms.with_value(|all| c.platform(all)), c)) {
            Some((Some(p), Choice { again, .. })) => {
                let key = new_key();
                let enough = balance.cents() >= p.price.cents();
                let confirm_p = p.clone();
                let heading = NodeRef::new();
                focus_if_lost(heading);
                view! {
                    <section class="card" data-testid="confirm-step">
                        <h2 node_ref=heading tabindex="-1">"Confirm: " {p.name.clone()}</h2>
                        <dl class="details">
                            <dt>"Price"</dt>
                            <dd>
                                <span data-testid="confirm-price">{p.price.to_string()}</span>
                                {(!discount.is_none()).then(|| view! { <span class="muted">" (your " {discount.to_string()} " discount included)"</span> })}
                            </dd>
                            <dt>"Lease window"</dt><dd data-testid="confirm-window">{p.lease_minutes} " minutes"</dd>
                            {again.as_deref().map(|number| view! {
                                <dt>"Number"</dt>
                                <dd data-testid="confirm-number">
                                    <span class="mono">{UsPhoneNumber::display_stored(number)}</span> ", yours before "
                                    <button class="btn btn-small" data-testid="confirm-any-number"
                                        on:click=handler(move |_| chosen.update(|c| if let Some(c) = c { c.again = None }))>"Any number instead"</button>
                                </dd>
                            })}
                            {p.code_rate.map(|rate| view! { <dt>"Recent leases"</dt><dd data-testid="confirm-code-rate">{rate.to_string()}</dd> })}
                        </dl>
                        <ul class="rules">
                            <li>"Cancel before a code arrives and the fee goes back to your wallet; if no code arrives in time, it is refunded automatically."</li>
                            <li>"No refund once a code has arrived."</li>
                            <li>"Choosing the wrong platform is not refunded after a code arrives: check it is " <strong>{p.name.clone()}</strong> "."</li>
                        </ul>
                        {(!enough).then(|| view! { <div class="alert alert-warning">"Your balance is too low for this. " <a href="/wallet">"Recharge"</a></div> })}
                        <div class="actions">
                            <button class="btn btn-primary" data-testid="confirm-button"
                                on:click=handler(move |_| {
                                    confirm.dispatch(ConfirmLease {
                                        platform: confirm_p.slug.clone(),
                                        price_cents: confirm_p.price.cents(),
                                        idempotency_key: key.clone(),
                                        number: again.clone(),
                                    });
                                })>"Confirm and pay " {p.price.to_string()}</button>
                            <button class="btn" on:click=handler(move |_| chosen.set(None))>"Back"</button>
                        </div>
                    </section>
                }.into_any()
            }
            unresolved => {
                // A link named a platform no longer on offer.
                let gone = unresolved.filter(|(_, c)| platforms.with_value(|all| all.iter().all(|p| p.slug != c.slug))).map(|_| view! {
                    <div class="alert alert-warning" data-testid="platform-gone">"The platform asked for is not offered any more: choose another."</div>
                });
                let heading = NodeRef::new();
                focus_if_lost(heading);
                view! {
                    {gone}
                    <section class="card">
                        <h2 node_ref=heading tabindex="-1">"1. Choose the platform"</h2>
                        <div class="field">
                            <label for="platform-search">"Search"</label>
                            <input id="platform-search" type="search" autocomplete="off" placeholder="Telegram, Google…" prop:value=search on:input=typed_into(search) />
                        </div>
                        // A customer's usual platforms first, until a search.
                        {move || (search.with(String::is_empty) && !recent.with_value(Vec::is_empty)).then(|| view! {
                            <h3 class="platform-group">"Recently used"</h3>
                            <ul class="platform-list" data-testid="recent-platforms">
                                {recent.get_value().into_iter().map(|p| pick(p, "recent-platform")).collect_any()}
                            </ul>
                            <h3 class="platform-group">"All platforms"</h3>
                        })}
                        <ul class="platform-list" data-testid="platforms">
                            {move || {
                                let needle = crate::domain::lowercase(&search.get());
                                platforms.get_value().into_iter()
                                    .filter(|p| needle.is_empty() || crate::domain::lowercase(&p.name).contains(&needle))
                                    .map(|p| pick(p, "platform"))
                                    .collect_any()
                            }}
                        </ul>
                    </section>
                }.into_any()
            }
        }}
    }
}

/// A platform to choose: its colour, name, price and window. One with no
/// number to be had cannot be chosen; the customer may ask to be mailed
/// when it has numbers again.
#[component]
fn PlatformButton(
    platform: PlatformView,
    chosen: RwSignal<Option<Choice>>,
    notify: Sender<NotifyWhenAvailable>,
    /// The customer already asked to hear of this one.
    awaited: bool,
    testid: &'static str,
) -> impl IntoView {
    let PlatformView { slug, name, price, lease_minutes, color, available, .. } = platform;
    let terms = view! {
        <BrandMark color class="platform-brand" />
        <span class="platform-name">{name.clone()}</span>
        <span class="muted small">{price.to_string()} " · " {lease_minutes} " min"</span>
    };
    if available {
        return view! {
            <button class="platform" data-testid=format!("{testid}-{slug}") on:click=handler(move |_| chosen.set(Some(Choice { slug: slug.clone(), again: None })))>{terms}</button>
        }
        .into_any();
    }
    // Asked already: the same button takes the wish back.
    let (wanted, action, label, sr_label) =
        if awaited { (false, "unnotify", "Don't email me", " about ") } else { (true, "notify", "Email me", " when there are ") };
    let (own_testid, button_testid) = (format!("{testid}-{slug}"), format!("{testid}-{action}-{slug}"));
    view! {
        <div class="platform platform-none" data-testid=own_testid>
            {terms}
            <span class="small sold-out">"None available right now"</span>
            {awaited.then(|| view! { <span class="small">"We will email you when there are."</span> })}
            <button class="btn btn-small" data-testid=button_testid
                on:click=handler(move |_| { notify.dispatch(NotifyWhenAvailable { platform: slug.clone(), wanted }); })>
                {label} <span class="sr-only">{sr_label} {name} " numbers"</span>
            </button>
        </div>
    }
    .into_any()
}

/// A random key per confirmation screen: a double click sends it twice,
/// and the server rents once.
fn new_key() -> String {
    #[cfg(feature = "hydrate")]
    {
        let a = (leptos::web_sys::js_sys::Math::random() * 1e15) as u64;
        let b = (leptos::web_sys::js_sys::Math::random() * 1e15) as u64;
        format!("{a:x}{b:x}")
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::from("server-rendered-key")
    }
}

/// A countdown's "mm:ss" for `millis` left (none left: "00:00").
fn minutes_and_seconds(millis: i64) -> String {
    let seconds = (millis / 1000).max(0);
    format!("{:02}:{:02}", seconds / 60, seconds % 60)
}

#[component]
fn ActiveLease(lease: LeaseView, server_now: i64, act: Sender<LeaseAction>, label: Sender<LabelLease>) -> impl IntoView {
    // The time left as shown, "mm:ss".
    let countdown = RwSignal::new(minutes_and_seconds(lease.expires_at - server_now));
    #[cfg(feature = "hydrate")]
    {
        let started = leptos::web_sys::js_sys::Date::now();
        let expires_in = lease.expires_at - server_now;
        if let Ok(handle) = set_interval_with_handle(
            move || {
                let elapsed = (leptos::web_sys::js_sys::Date::now() - started) as i64;
                countdown.set(minutes_and_seconds(expires_in - elapsed));
            },
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    let state = lease.state;
    let id = lease.id;
    // A button the state refuses is left out (a refund after a code), but
    // Done stays, greyed, to say what ends a wait.
    let button = move |event: LeaseEvent, action: &'static str, label: String, class: &'static str| {
        (state.allows(event) || event == LeaseEvent::Complete).then(|| view! {
            <button class=class disabled=!state.allows(event) data-testid=format!("lease-{action}")
                on:click=handler(move |_| { act.dispatch(LeaseAction { lease_id: id, action: action.to_string() }); })>
                {label}
            </button>
        })
    };
    let badge = if state == LeaseState::CodeReceived { "badge badge-success" } else { "badge badge-warning" };
    let heading = NodeRef::new();
    focus_if_lost(heading);
    // The tab title tells a user on another tab that the code is here.
    let code = lease.code.clone();
    view! {
        {code.clone().map(|c| show_title(format!("Code {c} · Get Number")))}
        <section class="card lease" data-testid="active-lease">
            <div class="row-between">
                <h2 node_ref=heading tabindex="-1">{lease.platform.clone()} " number " {lease.demo.then(|| view! { <span class="badge badge-info">"demo"</span> })}</h2>
                <span class=badge data-testid="lease-state">{state.label()}</span>
            </div>
            <p class="lease-number">
                <span data-testid="lease-number">{lease.number_display.clone()}</span> " "
                <CopyButton text=lease.number.clone() />
                {shown_label(lease.label.clone())}
            </p>
            <LabelForm lease_id=id about=format!(" {} {}", lease.platform, lease.number_display) label=lease.label.clone() action=label />
            <p>"Time left: " <strong data-testid="countdown">{countdown}</strong></p>
            {match code {
                Some(c) => view! {
                    <div class="code-box">
                        <p class="muted">"Your code"</p>
                        <p class="code" data-testid="lease-code">{c.clone()}</p>
                        <CopyButton text=c />
                    </div>
                    <p class="muted" data-testid="no-refund">
                        "A code arrived, so this number is paid for: no refund now. Further codes for it appear here until the time runs out."
                    </p>
                }.into_any(),
                None => view! {
                    <p class="muted" data-testid="waiting">"Waiting for the SMS… enter the number on " {lease.platform.clone()} " now."</p>
                    <p><CodeAlertsButton /></p>
                }.into_any(),
            }}
            <LeaseMessages messages=lease.messages.clone() open=true />
            <div class="actions">
                {button(LeaseEvent::Cancel, "cancel", "Cancel (refund)".into(), "btn")}
                // Tells us too, so that others get this number for the platform last.
                {button(LeaseEvent::Refused, "refused", format!("{} refused it (refund)", lease.platform), "btn")}
                {button(LeaseEvent::Switch, "switch", "Switch platform".into(), "btn")}
                {button(LeaseEvent::Complete, "complete", "Done".into(), "btn btn-primary")}
            </div>
        </section>
    }
}

/// The latest leases; with `chosen` (no lease open), those whose number is
/// free to take back offer to rent it again.
#[component]
fn RecentLeases(leases: Vec<LeaseView>, chosen: Option<RwSignal<Option<Choice>>>) -> impl IntoView {
    let focus = use_context::<FocusFollows>();
    (!leases.is_empty()).then(|| view! {
        <section class="card">
            <div class="row-between">
                <h2>"Recent numbers"</h2>
                <a href="/numbers">"All your numbers and their messages"</a>
            </div>
            <DataTable label="Recent leases" headers=&["When", "Platform", "Number", "Outcome", "Price", ""] testid="recent-leases" stacked=true>
                        {leases.into_iter().map(|l| {
                            let outcome = l.outcome();
                            let again = chosen.filter(|_| l.rent_again).map(|chosen| {
                                let choice = Choice { slug: l.platform_slug.clone(), again: Some(l.number.clone()) };
                                let about = format!(" for {} {}", l.platform, l.number_display);
                                view! {
                                    <button class="btn btn-small" data-testid="rent-again" on:click=handler(move |_| {
                                        // The confirmation appears above, and the button stays.
                                        if let Some(focus) = focus {
                                            focus.jump();
                                        }
                                        chosen.set(Some(choice.clone()));
                                    })>"Rent again"<span class="sr-only">{about}</span></button>
                                }
                            });
                            view! {
                            <tr>
                                <td data-label="When"><LocalTime millis=l.created_at /></td>
                                <td data-label="Platform">{l.platform}</td>
                                <td data-label="Number"><span class="mono">{l.number_display}</span> {shown_label(l.label)}</td>
                                <td data-label="Outcome">{outcome}</td>
                                <td class="num" data-label="Price">{l.price.to_string()}</td>
                                <td>{again}</td>
                            </tr>
                        }}).collect_any()}
            </DataTable>
        </section>
    })
}

#[cfg(test)]
mod tests {
    use super::minutes_and_seconds;

    #[test]
    fn the_countdown_shows_minutes_and_seconds_and_stops_at_zero() {
        assert_eq!(minutes_and_seconds(20 * 60_000), "20:00");
        assert_eq!(minutes_and_seconds(61_999), "01:01");
        assert_eq!(minutes_and_seconds(999), "00:00");
        assert_eq!(minutes_and_seconds(-5_000), "00:00");
    }
}
