//! The footer's System / Light / Dark switch. Without scripts it is a
//! form (`POST /theme` sets the cookie and comes back to the page); once
//! hydrated a press switches the page in place.
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::theme::{self, Theme};
use crate::reactive::handler;

#[component]
pub fn ThemeSwitch() -> impl IntoView {
    let chosen = RwSignal::new(theme::current());
    let location = use_location();
    // Where the scriptless form comes back to.
    let back = move || {
        let query = location.search.get();
        let query = query.trim_start_matches('?');
        format!("{}{}{query}", location.pathname.get(), if query.is_empty() { "" } else { "?" })
    };
    view! {
        <form class="theme-switch" method="post" action="/theme">
            <input type="hidden" name="back" value=back />
            <span id="theme-label" class="muted small">"Theme"</span>
            <div class="segmented" role="group" aria-labelledby="theme-label">
                {Theme::ALL
                    .map(|choice| {
                        view! {
                            <button
                                type="submit"
                                name="theme"
                                value=choice.as_str()
                                aria-pressed=move || (chosen.get() == choice).to_string()
                                on:click=handler(move |ev: leptos::ev::MouseEvent| {
                                    ev.prevent_default();
                                    #[cfg(feature = "hydrate")]
                                    theme::apply(choice);
                                    chosen.set(choice);
                                })
                            >
                                {choice.label()}
                            </button>
                        }
                    })}
            </div>
        </form>
    }
}
