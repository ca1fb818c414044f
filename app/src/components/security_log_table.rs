use leptos::prelude::*;
use crate::reactive::CollectAny;

use crate::account::SecurityEvent;
use crate::components::{data_table::DataTable, local_time::LocalTime};

/// An account's security log, as its owner and admins see it.
#[component]
pub fn SecurityLogTable(events: Vec<SecurityEvent>) -> impl IntoView {
    view! {
        <DataTable label="Security log" headers=&["What", "When", "IP", "Browser"] stacked=true>
            {events.into_iter().map(|e| view! {
                <tr>
                    <td data-label="What">{e.what}</td>
                    <td data-label="When"><LocalTime millis=e.at /></td>
                    <td class="mono" data-label="IP">{e.ip}</td>
                    <td data-label="Browser">{e.browser}</td>
                </tr>
            }).collect_any()}
        </DataTable>
    }
}
