//! The Content-Security-Policy of pages: scripts only from this site or
//! with this response's nonce (the hydration script), WASM allowed, no
//! framing. Set while the shell renders, when the nonce is known.
use leptos::prelude::*;

pub fn set_page_policy() {
    let Some(nonce) = leptos::nonce::use_nonce() else { return };
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else { return };
    // `cargo leptos watch` reloads pages over a websocket on its own port.
    let dev_reload = if option_env!("LEPTOS_WATCH").is_some() { " ws://127.0.0.1:* ws://localhost:*" } else { "" };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'{dev_reload}; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = axum::http::HeaderValue::from_str(&policy) {
        response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
    }
}
