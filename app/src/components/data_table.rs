use leptos::prelude::*;
use crate::reactive::CollectAny;

/// A table that scrolls sideways on small screens, with a header row;
/// the children are its rows. `label` names it: the wrapper is a region
/// that takes focus, so that a keyboard can scroll it too. A `stacked`
/// table shows each row as lines of "label value" on phones instead, the
/// labels taken from its cells' `data-label`.
#[component]
pub fn DataTable(
    label: &'static str,
    headers: &'static [&'static str],
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(optional)] stacked: bool,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="table-wrap" role="region" aria-label=label tabindex="0">
            <table class="table" class:stacked=stacked data-testid=testid>
                <thead><tr>{headers.iter().map(|h| view! { <th>{*h}</th> }).collect_any()}</tr></thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
