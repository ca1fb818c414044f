//! `GET /common-passwords.txt`: the list a new password is checked
//! against, for the browser's live hint on the sign-up and password-reset
//! pages (`app::components::password_hint`). The server checks the same
//! built-in list on submit. Sent gzip-compressed (9 KB plain, 5 KB
//! compressed) and cached by the browser for a day.
use std::{io::Write, sync::LazyLock};

use axum::{
    body::Bytes,
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
};
use flate2::{write::GzEncoder, Compression};

use app::domain::password::COMMON_LIST;

static GZIPPED: LazyLock<Option<Bytes>> = LazyLock::new(|| {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(COMMON_LIST.as_bytes()).ok()?;
    encoder.finish().ok().map(Bytes::from)
});

const CACHE: &str = "public, max-age=86400";
const TEXT: &str = "text/plain; charset=utf-8";

pub async fn common_passwords(headers: HeaderMap) -> Response {
    let takes_gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    match GZIPPED.as_ref() {
        Some(gzipped) if takes_gzip => (
            [(header::CONTENT_TYPE, TEXT), (header::CONTENT_ENCODING, "gzip"), (header::CACHE_CONTROL, CACHE), (header::VARY, "Accept-Encoding")],
            gzipped.clone(),
        )
            .into_response(),
        _ => ([(header::CONTENT_TYPE, TEXT), (header::CACHE_CONTROL, CACHE), (header::VARY, "Accept-Encoding")], COMMON_LIST).into_response(),
    }
}
