//! "Your numbers": every lease of the customer, newest first, a page at a
//! time, with the messages each number received in full.
use leptos::prelude::*;

use crate::auth::use_viewer;
use crate::components::{data_table::DataTable, lease_messages::LeaseMessages, local_time::LocalTime, page_title::PageTitle, pager::{PageCursor, Pager}};
use crate::get_number::my_numbers;

#[component]
pub fn NumbersPage() -> impl IntoView {
    let viewer = use_viewer();
    let signed_in = viewer.signed_in_untracked();
    let cursor = PageCursor::new();
    let history = Resource::new(move || cursor.before(), move |before| async move {
        if signed_in { my_numbers(before).await } else { Err(crate::error::AppError::Unauthenticated) }
    });
    // A code for an open lease shows without a reload (see Get Number).
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
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
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || history.get().map(|r| match r {
                Err(crate::error::AppError::Unauthenticated) => view! {
                    <section class="card narrow">
                        <p>"Sign in to see your numbers."</p>
                        <a class="btn btn-primary" href="/sign-in?next=/numbers">"Sign in"</a>
                    </section>
                }.into_any(),
                Err(e) => view! { <div class="alert alert-error">{e.to_string()}</div> }.into_any(),
                Ok(page) if page.leases.is_empty() && page.next_before.is_none() && cursor.before().is_none() => view! {
                    <section class="card narrow">
                        <p>"You have not rented a number yet."</p>
                        <a class="btn btn-primary" href="/get-number">"Get a number"</a>
                    </section>
                }.into_any(),
                Ok(page) => {
                    let next = page.next_before;
                    view! {
                        <section class="card">
                            <DataTable label="Your numbers" headers=&["When", "Platform", "Number", "Outcome", "Price", "Messages", ""] testid="lease-history" stacked=true>
                                {page.leases.into_iter().map(|l| {
                                    let outcome = l.outcome();
                                    let (ask, about) = (format!("/support?lease={}", l.id), format!(" about {} {}", l.platform, l.number_display));
                                    view! {
                                        <tr data-testid="lease-history-row">
                                            <td data-label="When"><LocalTime millis=l.created_at /></td>
                                            <td data-label="Platform">{l.platform}</td>
                                            <td class="mono" data-label="Number">{l.number_display}</td>
                                            <td data-label="Outcome">{outcome}</td>
                                            <td class="num" data-label="Price">{l.price.to_string()}</td>
                                            <td data-label="Messages">
                                                {if l.messages.is_empty() { Some(view! { <span class="muted">"None"</span> }) } else { None }}
                                                <LeaseMessages messages=l.messages />
                                            </td>
                                            <td>
                                                <a href=ask>"Ask support"<span class="sr-only">{about}</span></a>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </DataTable>
                            <Pager cursor next=Signal::derive(move || next) />
                        </section>
                    }.into_any()
                }
            })}
        </Transition>
    }
}
