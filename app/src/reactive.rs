//! Reactive helpers shared by the pages.
use leptos::prelude::Effect;

/// An effect that keeps no value between runs (`Effect::new(move |_| …)`).
/// `Effect::new` compiles the effect's machinery once per closure type,
/// about 0.8 KB of WASM each; boxed, every such effect shares one copy.
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
