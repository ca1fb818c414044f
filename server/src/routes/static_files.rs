//! The client's files under /pkg. A release build made with
//! `cargo leptos build --release --precompress` (as `make bench` does and
//! a deployment should) puts brotli and gzip copies beside each file; the
//! browser gets the smallest it accepts (the WASM shrinks about 3.3×
//! with brotli), without compressing on every request.
//!
//! Most of the files keep their names from one release to the next, so the
//! browser asks each time whether its copy is still current (`no-cache`:
//! a 304 when it is). A deploy then never mixes old and new WASM.
use std::path::Path;

use axum::http::{header, HeaderValue};
use tower::Layer;
use tower_http::{services::ServeDir, set_header::SetResponseHeader, set_header::SetResponseHeaderLayer};

pub fn pkg(dir: &Path) -> SetResponseHeader<ServeDir, HeaderValue> {
    SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))
        .layer(ServeDir::new(dir).precompressed_br().precompressed_gzip())
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Request};
    use tower::ServiceExt;

    use super::pkg;

    async fn get(dir: &std::path::Path, accept: &str) -> (Option<String>, Vec<u8>) {
        let request = Request::get("/app.wasm").header("accept-encoding", accept).body(Body::empty()).expect("request");
        let response = pkg(dir).oneshot(request).await.expect("served");
        let encoding = response.headers().get("content-encoding").map(|v| v.to_str().expect("ascii").to_string());
        let body = axum::body::to_bytes(Body::new(response.into_body()), usize::MAX).await.expect("body");
        (encoding, body.to_vec())
    }

    #[tokio::test]
    async fn serves_the_precompressed_copy_the_browser_accepts() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("app.wasm"), b"raw").expect("write");
        std::fs::write(dir.path().join("app.wasm.br"), b"brotli").expect("write");
        std::fs::write(dir.path().join("app.wasm.gz"), b"gzip").expect("write");
        assert_eq!(get(dir.path(), "gzip, deflate, br").await, (Some("br".into()), b"brotli".to_vec()));
        assert_eq!(get(dir.path(), "gzip").await, (Some("gzip".into()), b"gzip".to_vec()));
        assert_eq!(get(dir.path(), "identity").await, (None, b"raw".to_vec()));
    }

    #[tokio::test]
    async fn the_browser_revalidates_and_gets_a_304_while_its_copy_is_current() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("app.wasm"), b"raw").expect("write");
        let first = pkg(dir.path()).oneshot(Request::get("/app.wasm").body(Body::empty()).expect("request")).await.expect("served");
        assert_eq!(first.headers()["cache-control"], "no-cache");
        let modified = first.headers()["last-modified"].clone();
        let again = Request::get("/app.wasm").header("if-modified-since", modified).body(Body::empty()).expect("request");
        let second = pkg(dir.path()).oneshot(again).await.expect("served");
        assert_eq!(second.status(), 304);
    }

    #[tokio::test]
    async fn a_debug_build_without_copies_is_served_as_is() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("app.wasm"), b"raw").expect("write");
        assert_eq!(get(dir.path(), "gzip, br").await, (None, b"raw".to_vec()));
    }
}
