//! The texts a leased number received, in full: a code is not always
//! all a customer needs (a link, a second code, a sender's name).
use leptos::prelude::*;
use crate::reactive::CollectAny;

use crate::components::local_time::LocalTime;
use crate::get_number::SmsView;

/// A lease's messages in a disclosure, open or closed to start with;
/// nothing when there are none.
#[component]
pub fn LeaseMessages(messages: Vec<SmsView>, #[prop(optional)] open: bool) -> impl IntoView {
    (!messages.is_empty()).then(|| {
        let count = messages.len();
        view! {
            <details open=open data-testid="lease-messages">
                <summary>{if count == 1 { "1 message".to_string() } else { format!("{count} messages") }}</summary>
                <ul class="messages">
                    {messages.into_iter().map(|m| view! {
                        <li>
                            // The sender goes with the text once it is erased.
                            <span class="muted small">{(!m.sender.is_empty()).then(|| format!("{} · ", m.sender))} <LocalTime millis=m.at /></span>
                            <br />
                            {m.body}
                        </li>
                    }).collect_any()}
                </ul>
            </details>
        }
    })
}
