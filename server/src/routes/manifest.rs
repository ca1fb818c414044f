//! `GET /manifest.webmanifest`: lets phones add the site to the home
//! screen as an app of its own, which iOS requires before it shows a web
//! page's notifications. Served here, not as a file, for the brand's name.
use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};

use crate::startup::AppState;

pub async fn web_manifest(State(state): State<AppState>) -> Response {
    let brand = &*state.services.brand;
    let manifest = serde_json::json!({
        "name": brand,
        "short_name": brand,
        "description": "Temporary US numbers for one-time codes",
        // The page a customer opens it for; it sends others to sign in.
        "start_url": "/get-number",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7fb",
        // The header's colour: the status bar above it matches.
        "theme_color": "#ffffff",
        "icons": [
            { "src": "/icon-192.png", "sizes": "192x192", "type": "image/png" },
            { "src": "/icon-512.png", "sizes": "512x512", "type": "image/png" },
            { "src": "/icon-maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable" },
        ],
    });
    ([(header::CONTENT_TYPE, "application/manifest+json")], manifest.to_string()).into_response()
}
