//! The client's files under /pkg. A release build made with
//! `cargo leptos build --release --precompress` (as `make bench` does and
//! a deployment should) puts brotli and gzip copies beside each file; the
//! browser gets the smallest it accepts (the WASM shrinks about 3.3×
//! with brotli), without compressing on every request.
use std::path::Path;

use tower_http::services::ServeDir;

pub fn pkg(dir: &Path) -> ServeDir {
    ServeDir::new(dir).precompressed_br().precompressed_gzip()
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
    async fn a_debug_build_without_copies_is_served_as_is() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("app.wasm"), b"raw").expect("write");
        assert_eq!(get(dir.path(), "gzip, br").await, (None, b"raw".to_vec()));
    }
}
