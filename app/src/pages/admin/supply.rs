//! Admin: number supply — the operator's pool (one by one or from a CSV
//! file), upstream suppliers, and the SMS no lease took.
use leptos::{prelude::*, server_fn::ServerFn};

use crate::components::{data_table::DataTable, form::{empty_when_sent, error_alert, send_form, typed_into, ActionError, SearchForm}, loading::Loading, local_time::LocalTime, page_title::PageTitle, pager::{PageCursor, Pager}, unread_badge::BadgeRecount};
use crate::number_pool::{
    AdminNumbers, AdminShortages, AdminSilentNumbers, AdminStock, AdminUnmatchedSms, AdminUpstreams, AdminAddNumber, AdminAssignSms, AdminDismissSms, AdminPurchaseChecked, AdminSetFoundEnabled, AdminSetNumberEnabled, ImportReport,
    PlatformStock, PoolList, Shortage, SilentNumber, UnmatchedSms, UpstreamView, IMPORT_BATCH,
};
use crate::wire::Sender;
use crate::reactive::{handler, CollectAny};

#[component]
pub fn AdminSupply() -> impl IntoView {
    let (add, toggle) = (Sender::<AdminAddNumber>::new(), Sender::<AdminSetNumberEnabled>::new());
    let bulk = Sender::<AdminSetFoundEnabled>::new();
    let imported = RwSignal::new(0usize);
    // Any change to the pool: one added or switched, some found switched, a file imported.
    let changed = move || (add.version().get(), toggle.version().get(), bulk.version().get(), imported.get());
    let pool_search = RwSignal::new(String::new());
    // The page of the pool shown; a change keeps it, a new search starts over.
    let pool_page = PageCursor::new();
    let pool = crate::wire::resource(move || (changed(), pool_search.get(), pool_page.before()), |(_, search, from)| AdminNumbers { search: Some(search), from });
    let (assign, dismiss) = (Sender::<AdminAssignSms>::new(), Sender::<AdminDismissSms>::new());
    let unmatched = crate::wire::resource(move || (assign.version().get(), dismiss.version().get()), |_| AdminUnmatchedSms {});
    let checked = Sender::<AdminPurchaseChecked>::new();
    let upstreams = crate::wire::resource(move || checked.version().get(), |_| AdminUpstreams {});
    // Counted again after the pool changes, so the operator sees an
    // addition answer the shortage on the next refusal, not before.
    let shortages = crate::wire::resource(move || (add.version().get(), imported.get()), |_| AdminShortages {});
    let stock = crate::wire::resource(changed, |_| AdminStock {});
    let silent = crate::wire::resource(changed, |_| AdminSilentNumbers {});
    BadgeRecount::after(move || (assign.version().get(), dismiss.version().get(), checked.version().get(), changed()));
    view! {
        <PageTitle text="Admin · Numbers & SMS" />
        <h1>"Numbers and SMS"</h1>
        <Loading fallback=|| view! { <p>"Loading…"</p> }>
            <TurnedAway list=shortages />
            <StockList list=stock />
            <SilentNumbers toggle list=silent />
            <UnmatchedSmsList assign dismiss list=unmatched />
            <NumberPool add toggle bulk search=pool_search page=pool_page list=pool />
            <ImportNumbers done=imported />
            <UpstreamList checked list=upstreams />
        </Loading>
    }
}

/// A CSV file of numbers (`number[,device_id,sim]`), sent in batches with a
/// progress bar; every line that failed is listed with its reason.
#[component]
fn ImportNumbers(done: RwSignal<usize>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let progress = RwSignal::new((0usize, 0usize));
    let report = RwSignal::new(None::<ImportReport>);
    let running = RwSignal::new(false);
    let start = move |_| {
        let lines: Vec<String> = text.get_untracked().lines().map(str::to_string).collect();
        if lines.is_empty() || running.get_untracked() {
            return;
        }
        running.set(true);
        progress.set((0, lines.len()));
        report.set(None);
        leptos::task::spawn_local(async move {
            let mut total = ImportReport::default();
            for (i, batch) in lines.chunks(IMPORT_BATCH).enumerate() {
                let first = (i * IMPORT_BATCH + 1) as i64;
                match crate::wire::call(crate::number_pool::AdminImportNumbers { first_line: first, lines: batch.join("\n") }).await {
                    Ok(r) => {
                        total.added += r.added;
                        total.errors.extend(r.errors);
                    }
                    Err(e) => total.errors.push((first, format!("lines {first}–{}: {e}", first + batch.len() as i64 - 1))),
                }
                progress.set(((i * IMPORT_BATCH + batch.len()).min(lines.len()), lines.len()));
            }
            report.set(Some(total));
            running.set(false);
            done.update(|n| *n += 1);
        });
    };
    #[cfg(feature = "hydrate")]
    let on_file = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<leptos::web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        leptos::task::spawn_local(async move {
            if let Ok(content) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                text.set(content.as_string().unwrap_or_default());
            }
        });
    };
    #[cfg(not(feature = "hydrate"))]
    let on_file = move |_: leptos::ev::Event| {};
    view! {
        <section class="card">
            <h2>"Import numbers from CSV"</h2>
            <p class="muted small">"One number per line, optionally followed by the Android device ID and SIM slot: " <code>"+13125550150,pixel7a,1"</code> ". A header line is skipped."</p>
            <div class="form">
                <div class="field">
                    <label for="import-file">"CSV file"</label>
                    <input id="import-file" type="file" accept=".csv,text/csv,text/plain" on:change=handler(on_file) />
                </div>
                <div class="field">
                    <label for="import-text">"…or paste the lines"</label>
                    <textarea id="import-text" rows="5" prop:value=text on:input=typed_into(text)></textarea>
                </div>
                <button class="btn" on:click=handler(start) disabled=running>"Import"</button>
            </div>
            {move || (progress.get().1 > 0).then(|| {
                let (doneish, all) = progress.get();
                view! { <p><progress max=all value=doneish></progress> {format!("{doneish} of {all} lines")}</p> }
            })}
            {move || report.get().map(|r| view! {
                <div class="alert alert-info" data-testid="import-report">
                    {format!(
                        "{} added, {} refused.",
                        plural(r.added as usize, "number", "numbers"),
                        plural(r.errors.len(), "line", "lines"),
                    )}
                    <ul>{r.errors.into_iter().map(|(line, why)| view! { <li>{format!("Line {line}: {why}")}</li> }).collect_any()}</ul>
                </div>
            })}
        </section>
    }
}

/// The pool with each number's gateway and open lease; add or disable.
#[component]
pub fn NumberPool(
    add: Sender<AdminAddNumber>,
    toggle: Sender<AdminSetNumberEnabled>,
    bulk: Sender<AdminSetFoundEnabled>,
    search: RwSignal<String>,
    page: PageCursor,
    list: crate::wire::Fetched<PoolList>,
) -> impl IntoView {
    let add_form = NodeRef::new();
    empty_when_sent(add_form, add.version(), add.value());
    view! {
        <section class="card">
            <h2>"Number pool"</h2>
            <p class="muted small">"The operator's own numbers, handed out before the demo range. For SMS Gateway for Android, name the phone's device ID and SIM slot that receive the number's messages."</p>
            <ActionError value=add.value() />
            <ActionError value=toggle.value() />
            <ActionError value=bulk.value() />
            {move || bulk.value().get().and_then(|r| r.ok()).map(|changed| {
                let text = match changed {
                    0 => "Nothing changed: each was so already.".to_owned(),
                    1 => "Done: 1 number changed.".to_owned(),
                    n => format!("Done: {n} numbers changed."),
                };
                view! { <div class="alert alert-success" role="status" data-testid="pool-found-done">{text}</div> }
            })}
            <form class="form form-inline" node_ref=add_form method="post" action=AdminAddNumber::url() on:submit=send_form(add)>
                <div class="field">
                    <label for="pool-number">"US number"</label>
                    <input id="pool-number" name="number" placeholder="+1 (312) 555-0150" required />
                </div>
                <div class="field">
                    <label for="pool-device">"Android device ID (optional)"</label>
                    <input id="pool-device" name="device_id" maxlength="100" />
                </div>
                <div class="field">
                    <label for="pool-sim">"SIM slot"</label>
                    <input id="pool-sim" name="sim" type="number" min="1" max="8" value="1" />
                </div>
                <button type="submit" class="btn">"Add number"</button>
            </form>
            <SearchForm id="pool-search" label="Find: digits of the number, or the phone's device ID" button="Find" on_search=move |text| { page.reset(); search.set(text) } />
            // One Option, not an AnyView of an Option: tachys hydrates the
            // latter's None expecting a marker its SSR did not write.
            {move || list.get().and_then(|r| match r {
                Err(e) => Some(error_alert(&e)),
                Ok(pool) => pool_count(&pool).map(|text| {
                    let found = (!pool.search.is_empty() && pool.matching > 0).then(|| found_actions(bulk, pool.search.clone(), pool.matching));
                    view! { <p class="muted small" data-testid="pool-count">{text}</p> {found} }.into_any()
                }),
            })}
            <DataTable label="Number pool" headers=&["Number", "Gateway", "Open lease", "Cooldowns", "Enabled"] testid="admin-pool" stacked=true>
                        {move || list.get().and_then(|r| r.ok()).map(|pool| {
                            if pool.numbers.is_empty() {
                                let none = if pool.total == 0 { "None yet." } else { "None matches." };
                                return view! { <tr><td colspan="5" class="muted">{none}</td></tr> }.into_any();
                            }
                            pool.numbers.into_iter().map(|n| view! {
                            <tr>
                                <td class="mono" data-label="Number">{n.display.clone()}</td>
                                <td data-label="Gateway">
                                    {n.gateway.clone().unwrap_or_else(|| "—".into())}
                                    {n.gateway.is_some().then(|| match n.gateway_heard_at {
                                        Some(at) => view! {
                                            <br />
                                            <span class="small" class:text-danger=n.gateway_silent class:muted=!n.gateway_silent>
                                                {if n.gateway_silent { "silent since " } else { "last heard " }}
                                                <LocalTime millis=at />
                                            </span>
                                        }.into_any(),
                                        None => view! { <br /> <span class="small muted">"not heard from yet"</span> }.into_any(),
                                    })}
                                </td>
                                <td data-label="Open lease">{n.open_lease.clone().unwrap_or_else(|| "—".into())}</td>
                                <td class="small" data-label="Cooldowns">
                                    {if n.cooldowns.is_empty() { Some("—") } else { None }}
                                    {n.cooldowns.iter().map(|(platform, until)| view! {
                                        <span class="badge">{platform.clone()} " "
                                            {match until {
                                                Some(at) => view! { "until " <LocalTime millis=*at /> }.into_any(),
                                                None => "for good".into_any(),
                                            }}
                                        </span> " "
                                    }).collect_any()}
                                </td>
                                <td data-label="Enabled">
                                    <form class="inline-form" method="post" action=AdminSetNumberEnabled::url() on:submit=send_form(toggle)>
                                        // The state beside the button, which names the opposite.
                                        {if n.enabled { "Yes " } else { "No " }}
                                        <input type="hidden" name="number" value=n.number.clone() />
                                        <input type="hidden" name="enabled" value=(!n.enabled).to_string() />
                                        <button type="submit" class="btn btn-small">{if n.enabled { "Disable" } else { "Enable" }}</button>
                                    </form>
                                </td>
                            </tr>
                        }).collect_any().into_any()
                        })}
            </DataTable>
            // Drawn once while the pool spans pages: the pressed button stays.
            <Show when=move || list.get().and_then(|r| r.ok()).is_some_and(|pool| pool.from > 0 || pool.next_from().is_some())>
                <Pager cursor=page next=Signal::derive(move || list.get().and_then(|r| r.ok()).and_then(|pool| pool.next_from())) labels=("Previous", "Next") />
            </Show>
        </section>
    }
}

/// How much of the pool the table shows, when it is not all of it.
fn pool_count(pool: &PoolList) -> Option<String> {
    let shown = pool.numbers.len() as i64;
    let paged = pool.from > 0 || shown < pool.matching;
    let range = format!("{}–{}", pool.from + 1, pool.from + shown);
    match (!pool.search.is_empty(), paged) {
        (false, false) => None,
        (false, true) => Some(format!("Numbers {range} of {}; find one by its digits or phone.", pool.total)),
        (true, false) => Some(format!("{} of {} numbers match.", pool.matching, pool.total)),
        (true, true) => Some(format!("{} of {} numbers match; {range} are shown.", pool.matching, pool.total)),
    }
}

/// Buttons that disable or enable every number a search found; the count
/// goes along, so a pool that changed meanwhile is not touched.
fn found_actions(bulk: Sender<AdminSetFoundEnabled>, search: String, matching: i64) -> impl IntoView {
    let form = |enabled: bool| {
        let search = search.clone();
        let verb = if enabled { "Enable" } else { "Disable" };
        view! {
            <form class="inline-form" method="post" action=AdminSetFoundEnabled::url() on:submit=send_form(bulk)>
                <input type="hidden" name="search" value=search />
                <input type="hidden" name="expected" value=matching.to_string() />
                <input type="hidden" name="enabled" value=enabled.to_string() />
                <button type="submit" class="btn btn-small">{format!("{verb} the {matching} found")}</button>
            </form>
        }
    };
    view! { <div class="row-buttons" data-testid="pool-found-actions">{form(false)} {form(true)}</div> }
}

/// Messages no open lease took: give one to a lease, or dismiss it.
#[component]
pub fn UnmatchedSmsList(
    assign: Sender<AdminAssignSms>,
    dismiss: Sender<AdminDismissSms>,
    list: crate::wire::Fetched<Vec<UnmatchedSms>>,
) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Unmatched SMS"</h2>
            <ActionError value=assign.value() />
            <ActionError value=dismiss.value() />
            <DataTable label="Unmatched SMS" headers=&["Received", "To", "From", "Text", "Code", ""] testid="admin-unmatched" stacked=true>
                        {move || list.get().and_then(|r| r.ok()).map(|rows| {
                            if rows.is_empty() {
                                return view! { <tr><td colspan="6" class="muted">"None: every message found its lease."</td></tr> }.into_any();
                            }
                            rows.into_iter().map(|m| view! {
                                <tr>
                                    <td data-label="Received"><LocalTime millis=m.at /></td>
                                    <td class="mono" data-label="To">{m.recipient.clone()}</td>
                                    <td data-label="From">{m.sender.clone()}</td>
                                    <td class="small" data-label="Text">{m.body.clone()} " " <span class="muted">"(" {m.source.clone()} ")"</span></td>
                                    <td class="mono" data-label="Code">{m.code.clone().unwrap_or_default()}</td>
                                    <td>
                                        <form class="form-inline" method="post" action=AdminAssignSms::url() on:submit=send_form(assign)>
                                            <input type="hidden" name="sms_id" value=m.id />
                                            <input name="lease_id" inputmode="numeric" size="6" maxlength="20" aria-label="Lease number" placeholder="lease #" required />
                                            <button type="submit" class="btn btn-small">"Assign"</button>
                                        </form>
                                        <form method="post" action=AdminDismissSms::url() on:submit=send_form(dismiss)>
                                            <input type="hidden" name="sms_id" value=m.id />
                                            <button type="submit" class="btn btn-small">"Dismiss"</button>
                                        </form>
                                    </td>
                                </tr>
                            }).collect_any().into_any()
                        })}
            </DataTable>
        </section>
    }
}

/// Platforms customers were turned away from this week for want of
/// numbers; nothing when there were none.
#[component]
fn TurnedAway(list: crate::wire::Fetched<Vec<Shortage>>) -> impl IntoView {
    view! {
        {move || list.get().and_then(|r| r.ok()).filter(|rows| !rows.is_empty()).map(|rows| view! {
            <section class="card">
                <h2>"Customers turned away"</h2>
                <div class="alert alert-warning" role="alert">
                    "Customers asked for numbers nobody had. Add numbers to the pool for these platforms, or top up or fix a supplier that sells them."
                </div>
                <DataTable label="Customers turned away" headers=&["Platform", "Last 24 hours", "Last 7 days", "Last", "Why"] testid="admin-shortages" stacked=true>
                    {rows.into_iter().map(|s| view! {
                        <tr>
                            <td data-label="Platform">{s.platform}</td>
                            <td data-label="Last 24 hours">{s.last_day}</td>
                            <td data-label="Last 7 days">{s.last_week}</td>
                            <td data-label="Last"><LocalTime millis=s.last_at /></td>
                            <td class="small" data-label="Why">{s.reason}</td>
                        </tr>
                    }).collect_any()}
                </DataTable>
            </section>
        })}
    }
}

/// What each platform on offer has now; one with nothing cannot be chosen
/// on Get Number.
#[component]
fn StockList(list: crate::wire::Fetched<Vec<PlatformStock>>) -> impl IntoView {
    view! {
        {move || list.get().and_then(|r| r.ok()).map(|rows| {
            let none: Vec<String> = rows.iter().filter(|s| !s.available).map(|s| s.platform.clone()).collect();
            view! {
                <section class="card">
                    <h2>"Stock"</h2>
                    <p class="muted small">"Free numbers of the pool (and of the demo range when it is on) that a lease for the platform could take, not counting those that got a code for it; and what the suppliers that sell it counted last."</p>
                    {(!none.is_empty()).then(|| view! {
                        <div class="alert alert-warning" role="alert" data-testid="sold-out">
                            "Customers cannot choose " {none.join(", ")} " now: none of our numbers is free for it and no supplier has any. Add numbers to the pool, or top up or fix a supplier."
                        </div>
                    })}
                    <DataTable label="Stock" headers=&["Platform", "Our free numbers", "Suppliers counted", "On Get Number"] testid="admin-stock" stacked=true>
                        {rows.into_iter().map(|s| view! {
                            <tr>
                                <td data-label="Platform">{s.platform}</td>
                                <td class="num" data-label="Our free numbers">{s.ours}</td>
                                <td class="num" data-label="Suppliers counted">{s.upstream.map(|n| n.to_string()).unwrap_or_else(|| "—".into())}</td>
                                <td class:text-danger=!s.available data-label="On Get Number">{if s.available { "Offered" } else { "None available" }}</td>
                            </tr>
                        }).collect_any()}
                    </DataTable>
                </section>
            }
        })}
    }
}

/// Numbers a platform seems to refuse (shown only when there are some),
/// each with the pool's Disable.
#[component]
fn SilentNumbers(toggle: Sender<AdminSetNumberEnabled>, list: crate::wire::Fetched<Vec<SilentNumber>>) -> impl IntoView {
    use crate::number_pool::{SILENT_AFTER_LEASES, SILENT_WITHIN_DAYS};
    view! {
        {move || list.get().and_then(|r| r.ok()).filter(|rows| !rows.is_empty()).map(|rows| view! {
            <section class="card">
                <h2>"Numbers that get no codes"</h2>
                <p class="muted small">
                    "In the last " {SILENT_WITHIN_DAYS} " days each of these got no code for the platform, in " {SILENT_AFTER_LEASES}
                    " or more leases or after a customer said the platform refused it: the platform may refuse it, or its SIM may not receive. Customers get it for the platform only when no other number is free and no supplier has one. Disable it, or check it with a lease of your own."
                </p>
                <DataTable label="Numbers that get no codes" headers=&["Number", "Platform", "Leases without a code", "Refused, said customers", "Last", ""] testid="silent-numbers" stacked=true>
                    {rows.into_iter().map(|s| view! {
                        <tr>
                            <td class="mono" data-label="Number">{s.display}</td>
                            <td data-label="Platform">{s.platform}</td>
                            <td class="num" data-label="Leases without a code">{s.leases}</td>
                            <td class="num" data-label="Refused, said customers">{s.refused}</td>
                            <td data-label="Last"><LocalTime millis=s.last_at /></td>
                            <td>
                                <form class="inline-form" method="post" action=AdminSetNumberEnabled::url() on:submit=send_form(toggle)>
                                    <input type="hidden" name="number" value=s.number />
                                    <input type="hidden" name="enabled" value="false" />
                                    <button type="submit" class="btn btn-small">"Disable"</button>
                                </form>
                            </td>
                        </tr>
                    }).collect_any()}
                </DataTable>
            </section>
        })}
    }
}

/// Upstream suppliers: balance, error rate, breaker, last error, margin.
#[component]
pub fn UpstreamList(checked: Sender<AdminPurchaseChecked>, list: crate::wire::Fetched<Vec<UpstreamView>>) -> impl IntoView {
    view! {
        {move || list.get().and_then(|r| r.ok()).filter(|rows| !rows.is_empty()).map(|rows| view! {
            <section class="card">
                <h2>"Upstream suppliers"</h2>
                <ActionError value=checked.value() />
                {rows.iter().any(|u| u.low_balance).then(|| view! {
                    <div class="alert alert-warning" role="alert">"An upstream balance is low: top it up before numbers run out."</div>
                })}
                {rows.iter().filter(|u| !u.interrupted_purchases.is_empty()).map(|u| (u.name.clone(), u.interrupted_purchases.clone())).map(|(name, purchases)| view! {
                    <div class="alert alert-warning" role="alert" data-testid="interrupted-purchases">
                        <strong>{name}</strong>
                        {format!(": {} without a readable answer: the supplier did not answer in time or answered something we could not read, or our server stopped meanwhile. It may have sold a number we never recorded, and will charge for it until it ends: in the supplier's account, cancel any activation from these minutes that is not among the open purchases here, then mark each as checked.", plural(purchases.len(), "purchase ended", "purchases ended"))}
                        <ul class="plain-list">
                            {purchases.into_iter().map(|p| view! {
                                <li>
                                    <form class="form-inline" method="post" action=AdminPurchaseChecked::url() on:submit=send_form(checked)>
                                        <input type="hidden" name="attempt_id" value=p.id />
                                        "Started " <LocalTime millis=p.started_at />
                                        " "
                                        <button type="submit" class="btn btn-small">"Checked"</button>
                                    </form>
                                </li>
                            }).collect_any()}
                        </ul>
                    </div>
                }).collect_any()}
                <DataTable label="Upstream suppliers" headers=&["Upstream", "Balance", "Errors", "Breaker", "Open purchases", "Margin", "Last error"] testid="admin-upstreams" stacked=true>
                            {rows.into_iter().map(|u| view! {
                                <tr>
                                    <td data-label="Upstream">{u.name.clone()}</td>
                                    <td class:text-danger=u.low_balance data-label="Balance">{u.balance.map(|b| b.to_string()).unwrap_or_else(|| "unknown".into())}</td>
                                    <td data-label="Errors">{format!("{}% of {} calls", u.error_rate_percent, u.calls)}</td>
                                    <td data-label="Breaker">{u.breaker.clone()}</td>
                                    <td data-label="Open purchases">{u.open_purchases}</td>
                                    <td data-label="Margin">{u.margin.to_string()}</td>
                                    <td class="small" data-label="Last error">
                                        {u.last_error.clone().unwrap_or_else(|| "—".into())}
                                        {u.last_error_at.map(|at| view! { " " <LocalTime millis=at /> })}
                                    </td>
                                </tr>
                            }).collect_any()}
                </DataTable>
            </section>
        })}
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
