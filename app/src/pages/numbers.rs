//! "Your numbers": every lease of the customer, newest first, a page at a
//! time, of one platform, number or label or all, with the messages each number
//! received in full.
use leptos::prelude::*;

use crate::auth::use_viewer;
use crate::components::{data_table::DataTable, form::{after_success, error_alert, typed_into, ActionError}, lease_label::{shown_label, LabelForm}, lease_messages::LeaseMessages, loading::Loading, local_time::LocalTime, page_title::PageTitle, pager::{PageCursor, Pager}};
use crate::domain::LeaseSearch;
use crate::error::AppError;
use crate::get_number::{MyNumbers, LabelLease, LeaseHistory, LeaseView};
use crate::pages::get_number::rent_again_href;
use crate::site_info::use_site_info;
use crate::wire::Sender;
use crate::reactive::{handler, CollectAny};

#[component]
pub fn NumbersPage() -> impl IntoView {
    let viewer = use_viewer();
    let signed_in = viewer.signed_in_untracked();
    let cursor = PageCursor::new();
    let filter = Filter { platform: RwSignal::new(String::new()), search: RwSignal::new(String::new()), typed: RwSignal::new(String::new()), problem: RwSignal::new(String::new()) };
    let history = crate::wire::own_resource(signed_in, move || (filter.platform.get(), filter.search.get(), cursor.before()), |(platform, search, before)| {
        MyNumbers { platform: Some(platform), search: Some(search), before }
    });
    let label = Sender::<LabelLease>::new();
    after_success(label.version(), label.value(), move || history.refetch());
    // A code for an open lease shows without a reload (see Get Number).
    #[cfg(feature = "hydrate")]
    crate::reactive::effect(move || {
        use crate::components::live_updates::{AccountStream, CatchUp};
        if !signed_in {
            return;
        }
        let catch_up = history.get_untracked().and_then(|r| r.ok()).map_or(CatchUp::Always, |h| CatchUp::After(h.events_cursor));
        AccountStream::open(catch_up, move || history.refetch());
    });
    view! {
        <PageTitle text="Your numbers" />
        <h1>"Your numbers"</h1>
        <Loading fallback=|| view! { <p>"Loading…"</p> }>
            {move || history.get().map(|r| match r {
                Err(AppError::Unauthenticated) => view! {
                    <section class="card narrow">
                        <p>"Sign in to see your numbers."</p>
                        <a class="btn btn-primary" href="/sign-in?next=/numbers">"Sign in"</a>
                    </section>
                }.into_any(),
                Err(e) => error_alert(&e),
                Ok(page) if page.platforms.is_empty() => view! {
                    <section class="card narrow">
                        <p>"You have not rented a number yet."</p>
                        <a class="btn btn-primary" href="/get-number">"Get a number"</a>
                    </section>
                }.into_any(),
                Ok(page) => view! { <NumberList page filter cursor label /> }.into_any(),
            })}
        </Loading>
    }
}

/// What the list is narrowed to: a platform's slug and a number or label
/// as the customer typed it (empty for all). The search box (what it
/// holds, applied on Find, and why it was refused: empty when it was not)
/// is kept here too, so that it survives the list reloading under it (a
/// code arriving).
#[derive(Debug, Clone, Copy)]
struct Filter {
    platform: RwSignal<String>,
    search: RwSignal<String>,
    typed: RwSignal<String>,
    problem: RwSignal<String>,
}

#[component]
fn NumberList(page: LeaseHistory, filter: Filter, cursor: PageCursor, label: Sender<LabelLease>) -> impl IntoView {
    let sms_hours = use_site_info().sms_retention_hours;
    let LeaseHistory { leases, next_before, platforms, .. } = page;
    let Filter { platform, search, typed, problem } = filter;
    // A number is checked here first (the server checks it again), so a
    // typo is told at once and keeps the list.
    let find = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = typed.get_untracked();
        match LeaseSearch::parse(&text) {
            Err(e) => problem.set(e),
            Ok(_) => {
                problem.set(String::new());
                search.set(text);
                cursor.reset();
            }
        }
    };
    let empty = leases.is_empty();
    view! {
        <section class="card">
            <form class="form-inline" role="search" on:submit=handler(find)>
                <div class="field">
                    <label for="platform-filter">"Platform"</label>
                    <select id="platform-filter" data-testid="platform-filter" on:change=handler(move |ev| {
                        platform.set(event_target_value(&ev));
                        cursor.reset();
                    })>
                        <option value="">"All"</option>
                        {platforms.into_iter().map(|(slug, name)| {
                            let chosen = platform.with_untracked(|p| *p == slug);
                            view! { <option value=slug selected=chosen>{name}</option> }
                        }).collect_any()}
                    </select>
                </div>
                <div class="field">
                    <label for="number-search">"Number or label"</label>
                    <input id="number-search" type="search" autocomplete="off" placeholder="+1 (202) 555-0100" prop:value=typed on:input=typed_into(typed) />
                </div>
                <button class="btn" type="submit">"Find"</button>
            </form>
            {move || Some(problem.get()).filter(|p| !p.is_empty()).map(|p| view! { <p class="field-error" role="alert" data-testid="number-search-error">{p}</p> })}
            <ActionError value=label.value() />
            <DataTable label="Your numbers" headers=&["When", "Platform", "Number", "Outcome", "Price", "Messages", ""] testid="lease-history" stacked=true>
                {empty.then(|| view! { <tr><td colspan="7" class="muted">"None of your leases matches."</td></tr> })}
                {leases.into_iter().map(|l| lease_row(l, label)).collect_any()}
            </DataTable>
            <p class="muted small">"A text is erased " {sms_hours} " hours after its lease ended; the code stays in the list."</p>
            <Pager cursor next=Signal::derive(move || next_before) />
        </section>
    }
}

fn lease_row(l: LeaseView, label: Sender<LabelLease>) -> impl IntoView {
    let outcome = l.outcome();
    let (ask, about) = (format!("/support?lease={}", l.id), format!(" {} {}", l.platform, l.number_display));
    let again = l.rent_again.then(|| rent_again_href(&l));
    view! {
        <tr data-testid="lease-history-row">
            <td data-label="When"><LocalTime millis=l.created_at /></td>
            <td data-label="Platform">{l.platform}</td>
            <td data-label="Number"><span class="mono">{l.number_display}</span> {shown_label(l.label.clone())}</td>
            <td data-label="Outcome">{outcome}</td>
            <td class="num" data-label="Price">{l.price.to_string()}</td>
            <td data-label="Messages">
                {l.messages.is_empty().then(|| view! { <span class="muted">"None"</span> })}
                <LeaseMessages messages=l.messages />
            </td>
            <td>
                {again.map(|href| view! { <a href=href data-testid="rent-again">"Rent again"<span class="sr-only">" for" {about.clone()}</span></a> <br /> })}
                <a href=ask>"Ask support"<span class="sr-only">" about" {about.clone()}</span></a>
                <LabelForm lease_id=l.id about label=l.label.clone() action=label />
            </td>
        </tr>
    }
}
