//! `GET /events`: Server-Sent Events telling the signed-in user's pages
//! that one of their leases changed (a code arrived, it expired…); the
//! page then reloads the lease. Browsers reconnect by themselves.
use std::convert::Infallible;

use app::services::request::Authenticated;
use axum::{
    extract::State,
    http::StatusCode,
    response::{sse::{Event, KeepAlive, Sse}, IntoResponse, Response},
    Extension,
};
use tokio::sync::broadcast::error::RecvError;

use crate::startup::AppState;

pub async fn lease_events(State(state): State<AppState>, user: Option<Extension<Authenticated>>) -> Response {
    let Some(Extension(user)) = user else {
        return (StatusCode::UNAUTHORIZED, "Sign in first.").into_response();
    };
    let receiver = state.services.events.subscribe();
    let user_id = user.user_id;
    // The gauge goes down when the stream is dropped (client gone).
    let open = state.metrics.stream_opened();
    let stream = futures_util::stream::unfold((receiver, open), move |(mut receiver, open)| async move {
        loop {
            match receiver.recv().await {
                Ok(change) if change.user_id == user_id => {
                    let event = Event::default().event("lease").data(change.lease_id.to_string());
                    return Some((Ok::<_, Infallible>(event), (receiver, open)));
                }
                Ok(_) => continue,
                // Missed some: tell the page to reload whatever it shows.
                Err(RecvError::Lagged(_)) => return Some((Ok(Event::default().event("lease").data("resync")), (receiver, open))),
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}
