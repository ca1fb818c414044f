//! The WASM entry point: hydrates the server-rendered pages.
use app::App;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy routes (split WASM chunks) are awaited before hydrating.
    leptos::mount::hydrate_lazy(App);
}
