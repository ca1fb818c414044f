use leptos::prelude::*;

/// Text read out by screen readers when it changes (a polite live region).
/// A region is read only when it was in the page before the change: keep
/// it outside the parts a page redraws.
#[component]
pub fn Announcement(text: RwSignal<String>) -> impl IntoView {
    view! { <p class="sr-only" role="status">{text}</p> }
}
