//! Reactive helpers shared by the pages.
use leptos::prelude::Effect;

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
