//! `GET /account/export`: the signed-in user's data as a JSON download.
use app::services::{
    data_export,
    request::{Authenticated, RequestMeta},
};
use axum::{
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Extension,
};

use crate::startup::AppState;

pub async fn export_my_data(State(state): State<AppState>, user: Option<Extension<Authenticated>>, meta: Option<Extension<RequestMeta>>) -> Response {
    let Some(Extension(user)) = user else {
        return (StatusCode::UNAUTHORIZED, "Sign in first.").into_response();
    };
    let meta = meta.map(|Extension(meta)| meta).unwrap_or_default();
    match data_export::export(&state.services, user.user_id, &meta).await {
        Ok(data) => match serde_json::to_string_pretty(&data) {
            Ok(json) => (
                [
                    (header::CONTENT_TYPE, "application/json"),
                    (header::CONTENT_DISPOSITION, "attachment; filename=\"usnumhub-data.json\""),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                json,
            )
                .into_response(),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
        Err(e) => super::error_response(e),
    }
}
