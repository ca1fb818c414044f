//! The browser's end of `/events`: a page that shows a customer's leases
//! or wallet hears when either changes and reloads what it shows.
use leptos::prelude::*;
use leptos::wasm_bindgen::{closure::Closure, JsCast};
use leptos::web_sys::{Event, EventSource};

/// The signed-in customer's change stream, open while the page is.
#[derive(Clone, Copy)]
pub struct AccountStream(StoredValue<Option<EventSource>, LocalStorage>);

impl AccountStream {
    /// `on_change` runs on every change, and each time the stream reopens
    /// after a drop (what changed meanwhile sent no event it could hear).
    /// With `catch_up_after_render`, also when it first opens: for a page
    /// that must not miss what changed between its render and its stream
    /// (a code). The browser reconnects by itself.
    pub fn open(catch_up_after_render: bool, on_change: impl Fn() + 'static) -> AccountStream {
        let source = EventSource::new("/events").ok();
        if let Some(source) = &source {
            let on_change = std::rc::Rc::new(on_change);
            let changed = {
                let on_change = on_change.clone();
                Closure::<dyn FnMut(Event)>::new(move |_| on_change())
            };
            let mut opened_before = false;
            let opened = Closure::<dyn FnMut(Event)>::new(move |_| {
                if opened_before || catch_up_after_render {
                    on_change();
                }
                opened_before = true;
            });
            for event in ["lease", "wallet"] {
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
