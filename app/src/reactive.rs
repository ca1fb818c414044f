//! Reactive helpers shared by the pages.
use leptos::prelude::Effect;

/// An effect that keeps no value between runs (`Effect::new(move |_| …)`).
/// `Effect::new` compiles the effect's machinery once per closure type,
/// about 0.8 KB of WASM each; boxed, every such effect shares one copy.
pub fn effect(run: impl FnMut() + 'static) {
    let run: Box<dyn FnMut()> = Box::new(run);
    Effect::new(run);
}
