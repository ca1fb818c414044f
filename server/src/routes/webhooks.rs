//! Inbound SMS webhooks. Each checks its gateway's signature before
//! trusting any field (403 and a log line otherwise) and is idempotent on
//! the gateway's message id: a redelivery stores nothing new and succeeds.
use app::services::{
    inbound_sms::{self, InboundSms, Recipient},
    numbers, webhook_signatures,
};
use axum::{
    body::Bytes,
    extract::{OriginalUri, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::startup::AppState;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn refuse(state: &AppState, gateway: &str, why: &str) -> Response {
    tracing::warn!(gateway, why, "webhook refused");
    state.metrics.webhook_failed(gateway, "signature");
    (StatusCode::FORBIDDEN, "invalid signature").into_response()
}

/// The success answer of the JSON webhooks.
fn json_ok() -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], "{\"ok\":true}").into_response()
}

async fn deliver(state: &AppState, sms: InboundSms) -> Result<(), Response> {
    let gateway = sms.source;
    let outcome = inbound_sms::receive(&state.services, sms).await;
    if outcome.is_err() {
        state.metrics.webhook_failed(gateway, "delivery");
    }
    match outcome {
        Ok(_) => Ok(()),
        Err(e) => Err(super::error_response(e)),
    }
}

#[derive(Deserialize)]
struct GenericSms {
    message_id: String,
    from: String,
    to: String,
    text: String,
}

/// POST /webhooks/sms/generic — see the README for the format.
pub async fn generic(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = state.config.sms_webhook_secret.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (timestamp, signature) = (header(&headers, "x-usnh-timestamp"), header(&headers, "x-usnh-signature"));
    if !webhook_signatures::generic_valid(secret, &body, timestamp, signature, state.services.now()) {
        return refuse(&state, "generic", "bad signature or stale timestamp");
    }
    let Ok(sms) = serde_json::from_slice::<GenericSms>(&body) else {
        return (StatusCode::BAD_REQUEST, "expected JSON with message_id, from, to and text").into_response();
    };
    let inbound = InboundSms { source: "generic", message_id: sms.message_id, from: sms.from, to: Recipient::Number(sms.to), text: sms.text };
    match deliver(&state, inbound).await {
        Ok(()) => json_ok(),
        Err(response) => response,
    }
}

/// POST /webhooks/sms/twilio — Twilio Messaging, form-encoded.
pub async fn twilio(State(state): State<AppState>, OriginalUri(uri): OriginalUri, headers: HeaderMap, body: Bytes) -> Response {
    let (Some(token), Some(public_url)) = (state.config.twilio_auth_token.as_deref(), state.config.public_url.as_deref()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let params: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let url = format!("{}{}", public_url.trim_end_matches('/'), uri.path_and_query().map(|p| p.as_str()).unwrap_or(""));
    if !webhook_signatures::twilio_valid(token, &url, &params, header(&headers, "x-twilio-signature")) {
        return refuse(&state, "twilio", "bad X-Twilio-Signature");
    }
    let field = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let inbound = InboundSms { source: "twilio", message_id: field("MessageSid"), from: field("From"), to: Recipient::Number(field("To")), text: field("Body") };
    match deliver(&state, inbound).await {
        Ok(()) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/xml")],
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>",
        )
            .into_response(),
        Err(response) => response,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AndroidEvent {
    event: String,
    device_id: String,
    /// Its shape depends on the event; read only for `sms:received`.
    #[serde(default)]
    payload: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AndroidSms {
    message_id: String,
    message: String,
    phone_number: String,
    /// Absent on single-SIM phones.
    sim_number: Option<i64>,
}

/// POST /webhooks/sms/android — SMS Gateway for Android (`sms:received`).
/// The app reports the device and SIM slot, which the pool maps to a number.
pub async fn android(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = state.config.android_gateway_secret.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !webhook_signatures::android_gateway_valid(secret, &body, header(&headers, "x-timestamp"), header(&headers, "x-signature"), state.services.now()) {
        return refuse(&state, "android", "bad X-Signature or stale X-Timestamp");
    }
    let Ok(event) = serde_json::from_slice::<AndroidEvent>(&body) else {
        return (StatusCode::BAD_REQUEST, "expected an SMS Gateway for Android event").into_response();
    };
    // Any signed event shows the phone is alive; a failure to note it must
    // not refuse the message.
    if let Err(e) = numbers::gateway_heard(&state.services, &event.device_id, &event.event).await {
        tracing::warn!(error = %e, "could not note an Android gateway's event");
    }
    if event.event != "sms:received" {
        return json_ok(); // other events (sent, delivered, ping) are not ours to act on
    }
    let Ok(sms) = serde_json::from_value::<AndroidSms>(event.payload) else {
        return (StatusCode::BAD_REQUEST, "sms:received needs a payload with messageId, message and phoneNumber").into_response();
    };
    let to = Recipient::AndroidSim { device_id: event.device_id, sim: sms.sim_number.unwrap_or(1) };
    let inbound = InboundSms { source: "android", message_id: sms.message_id, from: sms.phone_number, to, text: sms.message };
    match deliver(&state, inbound).await {
        Ok(()) => json_ok(),
        Err(response) => response,
    }
}
