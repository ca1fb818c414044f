//! The WASM entry point: hydrates the server-rendered pages.
use app::App;
use leptos::{mount::hydrate_from, prelude::*, tachys::dom::body};

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Loads the current page's code (its split WASM chunk) first, then
    // hydrates synchronously, and marks the page live (`<html
    // data-hydrated>`), so a test waits for it instead of guessing.
    // Unlike leptos's `hydrate_lazy`, which awaits the page's code inside
    // the async hydration of every view, this needs no view's async path,
    // which vendor/tachys therefore drops: a tenth of every first visit's
    // WASM (vendor/README.md).
    // (hydrate_from starts leptos's executor itself.)
    // When the page's code cannot be loaded, the page stays as the server
    // drew it: its links and forms work without scripts
    // (`<html data-page-code="missing">`).
    wasm_bindgen_futures::spawn_local(async {
        let loaded = app::pages::lazy::load_page_code(&window().location().pathname().unwrap_or_default()).await;
        let root = document().document_element();
        if !loaded {
            if let Some(root) = root {
                let _ = root.set_attribute("data-page-code", "missing");
            }
            return;
        }
        hydrate_from(body(), App).forget();
        if let Some(root) = root {
            let _ = root.set_attribute("data-hydrated", "");
        }
    });
}

/// Slack in the read-only data segment for `--split`. wasm-split moves
/// each page group's data into its chunk, repacked with alignment padding;
/// when the repacked segment comes out longer than the original, it puts
/// the whole segment (about 100 KB of strings) in the main module instead,
/// which every page loads. A one-attribute change to a component flipped
/// it. No function reads this, so the split drops it, and the repacked
/// segment always fits. `scripts/release.sh` fails when no chunk has data.
#[used]
static SPLIT_SLACK: [u8; 4096] = [0x5A; 4096];
