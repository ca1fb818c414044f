//! Staff's live news while the admin console is open: a customer opened a
//! ticket, wrote in one or closed it. The inbox, a ticket's page and the
//! menu's badge follow it without a reload. One event stream per tab,
//! opened by the console's frame on its first page and kept across the
//! console's pages (each page draws the frame anew).
use leptos::prelude::*;

/// What was heard last; `round` counts the news.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Heard {
    round: u32,
    /// The ticket that changed; None: any may have (the stream reopened).
    ticket: Option<i64>,
}

/// Provided by the app's root, so the stream outlives a console page.
#[derive(Clone, Copy)]
pub struct StaffNews {
    heard: RwSignal<Heard>,
    /// Where the stream lives: the root's owner, not a page's.
    #[cfg(feature = "hydrate")]
    root: StoredValue<Option<Owner>, LocalStorage>,
}

impl StaffNews {
    pub fn provide() {
        provide_context(StaffNews {
            heard: RwSignal::new(Heard::default()),
            #[cfg(feature = "hydrate")]
            root: StoredValue::new_local(Owner::current()),
        });
    }

    /// Opens the tab's stream once (the console's frame calls this, for
    /// an admin the console lets in; the server checks the same again).
    #[cfg(feature = "hydrate")]
    pub fn listen() {
        use crate::components::live_updates::{AccountStream, CatchUp};
        let Some(news) = use_context::<StaffNews>() else { return };
        let Some(root) = news.root.try_update_value(Option::take).flatten() else { return }; // already open
        let heard = news.heard;
        // Always: what came between the render and the opening is reloaded.
        root.with(|| {
            AccountStream::open_with(&["staff-ticket"], CatchUp::Always, move |said| {
                let ticket = said.and_then(|s| s.parse().ok());
                heard.update(|h| *h = Heard { round: h.round.wrapping_add(1), ticket });
            })
        });
    }

    /// Runs `then` with the ticket on each news heard after now (None:
    /// any ticket may have changed). A page calls it once.
    pub fn on_ticket(then: impl Fn(Option<i64>) + 'static) {
        let Some(news) = use_context::<StaffNews>() else { return };
        let mut seen = None;
        crate::reactive::effect(move || {
            let heard = news.heard.get();
            if seen.replace(heard.round).is_some_and(|round| round != heard.round) {
                untrack(|| then(heard.ticket));
            }
        });
    }

    /// Makes the caller's reactive scope depend on the news.
    pub fn track() {
        if let Some(news) = use_context::<StaffNews>() {
            news.heard.track();
        }
    }
}
