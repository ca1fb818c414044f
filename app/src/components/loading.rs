//! Leptos's `Transition` over erased children.
use leptos::prelude::*;

/// A `Transition` (the last content stays while its resources reload,
/// `fallback` shows until they first arrive) whose children are one
/// `AnyView`: leptos's is generic over its children's type, and compiled
/// its suspense code once for every page that used it.
#[component]
pub fn Loading(#[prop(optional, into)] fallback: ViewFnOnce, children: Children) -> impl IntoView {
    view! { <Transition fallback>{children()}</Transition> }
}
