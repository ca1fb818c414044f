//! The development outbox: mail that would have been sent, when no SMTP
//! server is configured. Absent (404) once SMTP is configured, and to any
//! client not on this machine: it holds everyone's codes.
use std::net::IpAddr;

use app::services::request::RequestMeta;
use axum::{
    extract::State,
    Extension,
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};

use crate::startup::AppState;

pub async fn show(State(state): State<AppState>, meta: Option<Extension<RequestMeta>>) -> Response {
    // The client as resolved through trusted proxies: behind one, the
    // proxy's own loopback address does not count.
    let on_this_machine = meta.is_some_and(|Extension(meta)| meta.ip.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()));
    if !state.services.mailer.is_dev_outbox() || !on_this_machine {
        return StatusCode::NOT_FOUND.into_response();
    }
    let rows: Result<Vec<(String, String, String, i64)>, _> = sqlx::query_as(
        "SELECT to_addr, subject, body, created_at FROM dev_outbox ORDER BY id DESC LIMIT 50",
    )
    .fetch_all(&state.db.pool)
    .await;
    let Ok(rows) = rows else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let mut html = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Development outbox</title>\
         <link rel=\"stylesheet\" href=\"/pkg/usnumhub.css\"></head><body><main class=\"container main\">\
         <h1>Development outbox</h1><p class=\"muted\">No SMTP server is configured, so mail lands here. Newest first.</p>",
    );
    for (to, subject, body, created_at) in rows {
        html.push_str(&format!(
            "<article class=\"card\" data-testid=\"mail\"><p><strong>To:</strong> {}<br><strong>Subject:</strong> {}<br>\
             <span class=\"muted small\">{}</span></p><pre>{}</pre></article>",
            escape(&to),
            escape(&subject),
            app::components::local_time::format_utc(created_at),
            escape(&body)
        ));
    }
    html.push_str("</main></body></html>");
    Html(html).into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
