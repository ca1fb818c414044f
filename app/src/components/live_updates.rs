//! The browser's end of `/events`: a page that shows a customer's leases,
//! wallet or support tickets (or, in the admin console, any customer's
//! tickets) hears when they change and reloads what it shows.
use leptos::prelude::*;
use leptos::wasm_bindgen::{closure::Closure, JsCast};
use leptos::web_sys::{Event, EventSource, MessageEvent};

/// What a page missed between its render and its stream opening.
#[derive(Clone, Copy)]
pub enum CatchUp {
    /// Nothing that matters (the page accepts a change shown next load).
    Never,
    /// Reload once the stream is open, to be sure.
    Always,
    /// The page's data stands at this cursor (`events_cursor`): the
    /// server starts the stream with a catch-up event only if something
    /// changed since, on every (re)connection.
    After(i64),
}

/// The signed-in customer's change stream, open while the page is.
#[derive(Clone, Copy)]
pub struct AccountStream(StoredValue<Option<EventSource>, LocalStorage>);

impl AccountStream {
    /// `on_change` runs on every change, and each time the stream reopens
    /// after a drop (what changed meanwhile sent no event it could hear),
    /// and on first opening as `catch_up` says. The browser reconnects by
    /// itself.
    pub fn open(catch_up: CatchUp, on_change: impl Fn() + 'static) -> AccountStream {
        Self::open_on(&["lease", "wallet"], catch_up, on_change)
    }

    /// As `open`, for the named kinds of change: "lease", "wallet",
    /// "support", and for staff "staff-ticket" (any customer's ticket). A
    /// page missing "lease" misses the server's "reload everything", which
    /// is sent as a lease event (and to staff as a "staff-ticket" too).
    pub fn open_on(events: &[&str], catch_up: CatchUp, on_change: impl Fn() + 'static) -> AccountStream {
        Self::open_with(events, catch_up, move |_| on_change())
    }

    /// As `open_on`, handing `on_event` what the event says (a lease's or
    /// ticket's id, "resync"), or None when the stream (re)opened.
    pub fn open_with(events: &[&str], catch_up: CatchUp, on_event: impl Fn(Option<String>) + 'static) -> AccountStream {
        let url = match catch_up {
            CatchUp::After(cursor) => format!("/events?after={cursor}"),
            CatchUp::Never | CatchUp::Always => "/events".to_string(),
        };
        let source = EventSource::new(&url).ok();
        if let Some(source) = &source {
            let on_event = std::rc::Rc::new(on_event);
            let changed = {
                let on_event = on_event.clone();
                Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| on_event(event.data().as_string()))
            };
            let mut opened_before = false;
            let opened = Closure::<dyn FnMut(Event)>::new(move |_| {
                let reload = match catch_up {
                    CatchUp::Never => opened_before,
                    CatchUp::Always => true,
                    // The server says, on reconnections too.
                    CatchUp::After(_) => false,
                };
                if reload {
                    on_event(None);
                }
                opened_before = true;
            });
            for event in events {
                let _ = source.add_event_listener_with_callback(event, changed.as_ref().unchecked_ref());
            }
            let _ = source.add_event_listener_with_callback("open", opened.as_ref().unchecked_ref());
            // They live as long as the event source, which cleanup closes.
            changed.forget();
            opened.forget();
        }
        let stream = AccountStream(StoredValue::new_local(source));
        on_cleanup(move || {
            stream.0.with_value(|s| {
                if let Some(s) = s {
                    s.close();
                }
            })
        });
        stream
    }

    /// Whether news arrive now (else the page may poll).
    pub fn is_live(&self) -> bool {
        self.0.with_value(|s| s.as_ref().is_some_and(|s| s.ready_state() == EventSource::OPEN))
    }
}
