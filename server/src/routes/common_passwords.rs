//! `GET /common-passwords.txt`: the list a new password is checked
//! against, for the browser's live hint on the sign-up and password-reset
//! pages (`app::components::password_hint`). The server checks the same
//! built-in list on submit. Cached by the browser for a day; `startup`
//! gzips it for browsers that take gzip (9 KB plain, 5 KB compressed).
use axum::{
    http::header,
    response::{IntoResponse, Response},
};

use app::domain::password::COMMON_LIST;

pub async fn common_passwords() -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=86400")], COMMON_LIST).into_response()
}
