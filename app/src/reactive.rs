//! Reactive helpers shared by the pages.
use leptos::prelude::{AnyView, Effect, IntoAny};

/// An effect, instead of `Effect::new`, which compiles the effect's
/// machinery once per closure type (about 0.8 KB of WASM each); boxed,
/// every effect shares one copy. An effect that compares with its last
/// run keeps that value in the closure (`let mut before = None;`).
pub fn effect(run: impl FnMut() + 'static) {
    let run: Box<dyn FnMut()> = Box::new(run);
    Effect::new(run);
}

/// An event handler for `on:…=`, boxed: an attribute's listener code
/// (attach, hydrate, rebuild) is compiled once per handler type, so every
/// boxed handler of one event shares one copy.
pub type Handler<E> = Box<dyn FnMut(E)>;

/// Boxes `run` as a [`Handler`].
pub fn handler<E>(run: impl FnMut(E) + 'static) -> Handler<E> {
    Box::new(run)
}

/// Collects a list's views as erased views, instead of `collect_view`:
/// tachys compiles a list's build, hydrate and update code once per row
/// type, and every list of `AnyView` shares one copy (7 KB gzip off the
/// admin console's first visit, 2 KB off the customer pages').
pub trait CollectAny {
    fn collect_any(self) -> Vec<AnyView>;
}

impl<I> CollectAny for I
where
    I: IntoIterator<Item: IntoAny>,
{
    fn collect_any(self) -> Vec<AnyView> {
        // A plain loop: `collect` compiles a sized fast path per iterator.
        let mut views = Vec::new();
        for view in self {
            views.push(view.into_any());
        }
        views
    }
}
