//! `POST /theme`: the footer's theme switch where scripts do not run.
//! Stores the choice in its cookie and sends the browser back to the page
//! it came from (a path on this site only).
use app::{auth::is_local_path, theme::Theme};
use axum::{
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Form,
};
use serde::Deserialize;

use crate::startup::AppState;

#[derive(Deserialize)]
pub struct Choice {
    theme: Option<String>,
    back: Option<String>,
}

pub async fn choose(State(state): State<AppState>, Form(choice): Form<Choice>) -> Response {
    let Some(theme) = choice.theme.as_deref().and_then(Theme::parse) else {
        return (StatusCode::BAD_REQUEST, "Choose the system's theme, light or dark.").into_response();
    };
    let back = choice.back.filter(|path| is_local_path(path)).unwrap_or_else(|| "/".into());
    (StatusCode::SEE_OTHER, [(header::SET_COOKIE, theme.cookie(state.config.https())), (header::LOCATION, back)]).into_response()
}
