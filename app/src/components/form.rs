use leptos::prelude::*;

use crate::error::AppError;
use crate::wire::{Outcome, Sender};
use crate::reactive::handler;

/// The error of the last submission of a server action, if any.
#[component]
pub fn ActionError(#[prop(into)] value: Outcome) -> impl IntoView {
    move || value.error().map(|e| view! { <div class="alert alert-error" role="alert" data-testid="form-error">{e.to_string()}</div> })
}

/// A search field that asks again when it changes (Enter, or leaving the
/// field); the button is there for those who look for one. `children`
/// puts other filters before it.
#[component]
pub fn SearchForm(
    id: &'static str,
    label: &'static str,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(default = "Search")] button: &'static str,
    #[prop(into)] on_search: Callback<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <form class="form form-inline" on:submit=handler(move |ev: leptos::ev::SubmitEvent| ev.prevent_default())>
            {children.map(|c| c())}
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type="search" maxlength="100" placeholder=placeholder on:change=handler(move |ev| on_search.run(event_target_value(&ev))) />
            </div>
            <button type="submit" class="btn">{button}</button>
        </form>
    }
}

/// Runs `then` each time the action succeeds from now on: `version` is
/// the action's, so an earlier success still held in `value` does not count.
pub fn after_success(version: RwSignal<usize>, value: impl Into<Outcome>, then: impl Fn() + 'static) {
    let value = value.into();
    let then: Box<dyn Fn()> = Box::new(then);
    let mut before = None;
    crate::reactive::effect(move || {
        let round = version.get();
        if before.replace(round).is_some_and(|b| b != round) && value.succeeded_untracked() {
            untrack(&then);
        }
    });
}

/// Empties `form` each time its action succeeds: what was sent should not
/// stay typed in (a password least of all), and the form is ready for the
/// next.
pub fn empty_when_sent(form: NodeRef<leptos::html::Form>, version: RwSignal<usize>, value: impl Into<Outcome>) {
    after_success(version, value, move || {
        #[cfg(feature = "hydrate")]
        if let Some(form) = form.get_untracked() {
            // A node reference holds any HTML element in our browser build
            // (vendor/README.md, `DynTag`).
            use leptos::wasm_bindgen::JsCast;
            form.unchecked_ref::<leptos::web_sys::HtmlFormElement>().reset();
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = form;
    });
}

/// Keeps `value` as what is typed in the field it is on:
/// `prop:value=value on:input=typed_into(value)`. What `bind:value` does
/// for text, without its generic machinery (a read signal derived for
/// text or checkboxes, a memo, change and input listeners), which every
/// first visit downloaded.
pub fn typed_into(value: RwSignal<String>) -> crate::reactive::Handler<leptos::ev::Event> {
    handler(move |ev| value.set(event_target_value(&ev)))
}

/// What is being written in a message box (`typed_into`), emptied each
/// time the action sending it succeeds (the thread then shows it).
pub fn draft_until_sent(value: impl Into<Outcome>) -> RwSignal<String> {
    let value = value.into();
    let draft = RwSignal::new(String::new());
    crate::reactive::effect(move || {
        if value.succeeded() {
            draft.set(String::new());
        }
    });
    draft
}

/// Ctrl+Enter (⌘+Enter on a Mac) in a message box sends its form, as
/// chat and mail apps do; Enter alone starts a new line.
pub fn send_on_ctrl_enter(ev: leptos::ev::KeyboardEvent) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        if ev.key() != "Enter" || !(ev.ctrl_key() || ev.meta_key()) {
            return;
        }
        let form = ev.target().and_then(|t| t.dyn_into::<leptos::web_sys::HtmlTextAreaElement>().ok()).and_then(|t| t.form());
        if let Some(form) = form {
            ev.prevent_default();
            // Like pressing the form's button: checks fields, then submits
            // through the action.
            let _ = form.request_submit();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// A read that failed, told where its data would be.
pub fn error_alert(e: &AppError) -> AnyView {
    view! { <div class="alert alert-error">{e.to_string()}</div> }.into_any()
}

/// An inline message under a field: the rule's message while the input
/// breaks it, nothing while it is empty or valid. A derived closure, not a
/// `Signal`: each value type held in a signal compiles its own reactive
/// code into the WASM.
pub fn inline_error(value: RwSignal<String>, check: impl Fn(&str) -> Result<(), String> + Copy + Send + Sync + 'static) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static {
    move || {
        let v = value.get();
        if v.is_empty() { None } else { check(&v).err() }
    }
}

/// The submit handler of a plain `<form method="post" action=S::url()>`:
/// it sends the form's fields as they are, which is what the browser
/// posts without scripts (the server function then sends it back) and
/// what the server function reads either way; the answer lands in
/// `action`'s value. Used instead of `ActionForm`, whose decoding of form
/// data (serde_qs, for each server function) added some 20 KB of WASM to
/// each page group holding one; building the arguments from the fields
/// (`send_fields`, until session 65) still compiled their encoding once
/// per server function.
#[inline]
pub fn send_form<S>(action: Sender<S>) -> crate::reactive::Handler<leptos::ev::SubmitEvent>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + serde::Serialize + 'static,
    S::Output: serde::de::DeserializeOwned,
{
    action.on_submit()
}
