//! `GET /events`: Server-Sent Events telling the signed-in user's pages
//! that one of their leases changed (a code arrived, it expired…), their
//! wallet did (a top-up) or a support ticket; the page then reloads what
//! it shows. Staff's streams also hear of every customer's ticket. Browsers
//! reconnect by themselves. A page rendered with data as of a cursor opens
//! `/events?after=<cursor>`: if anything changed in between, the stream
//! starts with a catch-up event.
use std::{
    collections::HashMap,
    convert::Infallible,
    sync::{Arc, Mutex},
};

use app::services::{events::{AccountChanged, Heard, Topic}, request::Authenticated};
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{sse::{Event, KeepAlive, Sse}, IntoResponse, Response},
    Extension,
};
use futures_util::StreamExt;
use tokio::sync::broadcast::error::RecvError;

use crate::startup::AppState;

/// How many event streams each account holds open, up to a limit.
#[derive(Clone)]
pub struct StreamsPerUser {
    open: Arc<Mutex<HashMap<i64, u32>>>,
    limit: u32,
}

impl StreamsPerUser {
    pub fn new(limit: u32) -> StreamsPerUser {
        StreamsPerUser { open: Arc::default(), limit }
    }

    /// A slot for one more stream of `user_id`, given back when dropped;
    /// None at the limit.
    fn take(&self, user_id: i64) -> Option<StreamSlot> {
        let mut open = self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = open.entry(user_id).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(StreamSlot { streams: self.clone(), user_id })
    }
}

struct StreamSlot {
    streams: StreamsPerUser,
    user_id: i64,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.streams.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = open.get_mut(&self.user_id) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.user_id);
            }
        }
    }
}

#[derive(serde::Deserialize)]
pub struct Since {
    /// The page's data cursor (`AccountEvents::cursor`).
    after: Option<i64>,
}

/// A comment, the stream's first bytes: Firefox reports a stream open
/// (and the page stops polling) only once some of its body has come, and
/// a buffering proxy passes nothing on before; a quiet stream would wait
/// for the first keep-alive, 15 s.
fn opened() -> Vec<Event> {
    vec![Event::default().comment("open")]
}

/// Tells the page to reload everything it shows; staff's console too.
fn resync(staff: bool) -> Vec<Event> {
    let mut events = vec![Event::default().event("lease").data("resync")];
    if staff {
        events.push(Event::default().event("staff-ticket").data("resync"));
    }
    events
}

/// What one change tells this stream: the account's own change by its
/// topic, and to staff any customer's ticket ("staff-ticket", its id:
/// only the id, so a console open when the role is taken away learns
/// nothing more until it reconnects and is refused).
fn told(change: AccountChanged, user_id: i64, staff: bool) -> Vec<Event> {
    let mut events = Vec::new();
    if change.user_id == user_id {
        events.push(match change.topic {
            Topic::Lease(lease_id) => Event::default().event("lease").data(lease_id.to_string()),
            Topic::Wallet => Event::default().event("wallet").data("changed"),
            Topic::Ticket(ticket_id) => Event::default().event("support").data(ticket_id.to_string()),
        });
    }
    if let (true, Topic::Ticket(ticket_id)) = (staff, change.topic) {
        events.push(Event::default().event("staff-ticket").data(ticket_id.to_string()));
    }
    events
}

pub async fn lease_events(State(state): State<AppState>, user: Option<Extension<Authenticated>>, Query(since): Query<Since>) -> Response {
    let Some(Extension(user)) = user else {
        return (StatusCode::UNAUTHORIZED, "Sign in first.").into_response();
    };
    let user_id = user.user_id;
    // The console's rule: staff without the two-step sign-in the operator
    // requires hear nothing of customers.
    let staff = user.viewer.console_access(app::domain::Desk::Support, state.services.auth.admin_two_step).is_ok();
    let Some(slot) = state.event_streams.take(user_id) else {
        return (StatusCode::TOO_MANY_REQUESTS, "Too many open pages; close some and reload.").into_response();
    };
    // Listening first, then asking: a change lands in one or the other.
    let receiver = state.services.events.subscribe();
    let catch_up = if since.after.is_some_and(|cursor| state.services.events.changed_after(user_id, cursor)) { resync(false) } else { Vec::new() };
    // The gauge and the slot go when the stream is dropped (client gone).
    let open = (state.metrics.stream_opened(), slot);
    let live = futures_util::stream::unfold((receiver, open), move |(mut receiver, open)| async move {
        loop {
            let events = match receiver.recv().await {
                Ok(Heard::Change(change)) => told(change, user_id, staff),
                // Missed some: tell the page to reload whatever it shows.
                Ok(Heard::MayHaveMissed) | Err(RecvError::Lagged(_)) => resync(staff),
                Err(RecvError::Closed) => return None,
            };
            if !events.is_empty() {
                return Some((events, (receiver, open)));
            }
        }
    });
    // A stopping server ends the stream; the page's EventSource reconnects
    // to the next one and catches up from its cursor.
    let stream = futures_util::stream::iter([opened(), catch_up])
        .chain(live)
        .flat_map(|events| futures_util::stream::iter(events.into_iter().map(Ok::<_, Infallible>)))
        .take_until(state.stopping.clone().cancelled_owned());
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}
