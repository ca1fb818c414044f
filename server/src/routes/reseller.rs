//! `/stubs/handler_api.php`: the reseller API (SMS-Activate protocol), by
//! GET or POST, with parameters in the query or a form body.
use std::collections::HashMap;

use app::services::{
    request::RequestMeta,
    reseller::{self, Answer},
};
use axum::{
    body::Bytes,
    extract::{RawQuery, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Extension,
};

use crate::startup::AppState;

pub async fn handler_api(State(state): State<AppState>, meta: Option<Extension<RequestMeta>>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    // Form fields, then the query (the query wins on repeats).
    let mut params: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    params.extend(form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned());
    let meta = meta.map(|Extension(m)| m).unwrap_or_default();
    match reseller::handle(&state.services, &params, &meta).await {
        Answer::Text(word) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], word).into_response(),
        Answer::Json(value) => axum::Json(value).into_response(),
        Answer::TooManyRequests => (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")], "TOO_MANY_REQUESTS").into_response(),
    }
}
