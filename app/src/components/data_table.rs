use leptos::prelude::*;

/// A table that scrolls sideways on small screens, with a header row;
/// the children are its rows.
#[component]
pub fn DataTable(headers: &'static [&'static str], #[prop(optional)] testid: Option<&'static str>, children: Children) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table" data-testid=testid>
                <thead><tr>{headers.iter().map(|h| view! { <th>{*h}</th> }).collect_view()}</tr></thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
