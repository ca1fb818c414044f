//! Admin: the audit log (filterable, read-only) and everyone's security log.
use leptos::prelude::*;

use crate::admin_api::{AdminAuditLog, AdminSecurityLog};
use crate::components::{data_table::DataTable, form::{error_alert, SearchForm}, loading::Loading, local_time::LocalTime, page_title::PageTitle, pager::{PageCursor, Pager}};
use crate::reactive::{handler, CollectAny};

#[component]
pub fn AdminAudit() -> impl IntoView {
    let action = RwSignal::new(String::new());
    let admin = RwSignal::new(String::new());
    let cursor = PageCursor::new();
    let page = crate::wire::resource(
        move || (action.get(), admin.get(), cursor.before()),
        |(action, admin, before)| AdminAuditLog { action: Some(action), admin: Some(admin), before },
    );
    view! {
        <PageTitle text="Admin · Audit log" />
        <h1>"Audit log"</h1>
        <section class="card">
            <p class="muted small">"Every admin action: who, what, before and after, when. Nothing here can be changed."</p>
            <div class="form form-inline">
                <div class="field">
                    <label for="audit-action">"Action"</label>
                    <select id="audit-action" on:change=handler(move |ev| { cursor.reset(); action.set(event_target_value(&ev)); })>
                        <option value="">"All"</option>
                        <option value="top_up">"Top-ups"</option>
                        <option value="adjustment">"Corrections"</option>
                        <option value="platform_">"Platforms"</option>
                        <option value="number.">"Numbers"</option>
                        <option value="sms.">"Unmatched SMS"</option>
                        <option value="upstream.">"Upstream purchases"</option>
                        <option value="user.">"Users"</option>
                        <option value="support.">"Support"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="audit-admin">"Admin username"</label>
                    <input id="audit-admin" on:change=handler(move |ev| { cursor.reset(); admin.set(event_target_value(&ev)); }) />
                </div>
            </div>
            <Loading fallback=|| view! { <p>"Loading…"</p> }>
                <DataTable label="Audit log" headers=&["When", "Admin", "Action", "Account", "Before", "After"] testid="audit-log" stacked=true>
                            {move || page.get().and_then(|r| r.ok()).filter(|p| p.entries.is_empty()).map(|_| no_entries(6))}
                            {move || page.get().map(|r| r.map(|p| p.entries).unwrap_or_default().into_iter().map(|e| view! {
                                <tr>
                                    <td data-label="When"><LocalTime millis=e.at /></td>
                                    <td data-label="Admin">{e.admin}</td>
                                    <td class="mono" data-label="Action">{e.action}</td>
                                    <td data-label="Account">{e.target.unwrap_or_default()}</td>
                                    <td class="small" data-label="Before">{e.before}</td>
                                    <td class="small" data-label="After">{e.after}</td>
                                </tr>
                            }).collect_any())}
                </DataTable>
                <Pager cursor next=Signal::derive(move || page.get().and_then(|r| r.ok()).and_then(|p| p.next_before)) />
            </Loading>
        </section>
    }
}

#[component]
pub fn AdminSecurity() -> impl IntoView {
    let search = RwSignal::new(String::new());
    let cursor = PageCursor::new();
    let log = crate::wire::resource(move || (search.get(), cursor.before()), |(search, before)| AdminSecurityLog { search: Some(search), before });
    view! {
        <PageTitle text="Admin · Security log" />
        <h1>"Security log (everyone)"</h1>
        <section class="card">
            <SearchForm id="security-search" label="User ID, username or IP address" on_search=move |text| { cursor.reset(); search.set(text) } />
            <Loading fallback=|| view! { <p>"Loading…"</p> }>
                {move || log.get().and_then(|r| r.err()).map(|e| error_alert(&e))}
                <DataTable label="Security log" headers=&["User", "What", "When", "IP", "Browser"] testid="security-log" stacked=true>
                            {move || log.get().and_then(|r| r.ok()).filter(|p| p.events.is_empty()).map(|_| no_entries(5))}
                            {move || log.get().and_then(|r| r.ok()).map(|page| page.events.into_iter().map(|e| view! {
                                <tr>
                                    <td data-label="User">{e.public_id.unwrap_or_default()} " " <span class="muted">{e.username.unwrap_or_default()}</span></td>
                                    <td data-label="What">{e.what} " " <span class="muted small">{e.detail}</span></td>
                                    <td data-label="When"><LocalTime millis=e.at /></td>
                                    <td class="mono" data-label="IP">{e.ip}</td>
                                    <td data-label="Browser">{e.browser}</td>
                                </tr>
                            }).collect_any())}
                </DataTable>
                <Pager cursor next=Signal::derive(move || log.get().and_then(|r| r.ok()).and_then(|p| p.next_before)) />
            </Loading>
        </section>
    }
}

/// The row an empty page of a log shows, across its `columns`.
fn no_entries(columns: u8) -> impl IntoView {
    view! { <tr><td colspan=columns class="muted" data-testid="no-entries">"No entries."</td></tr> }
}
