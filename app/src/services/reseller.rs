//! The reseller API: the SMS-Activate `handler_api.php` protocol over our
//! own leases, so existing bots only change the base URL and the key.
//! Every action goes through the same lease state machine and ledger as
//! the web page; this module only translates words.
use std::collections::HashMap;

use super::{
    api_keys::{self, Caller},
    leases::{self, ConfirmRequest, LeaseError, LeaseFilter},
    ledger, platforms,
    request::RequestMeta,
    upstream::protocol::{self, ActivationStatus, SetStatus},
    Services,
};
use crate::{
    domain::{LeaseEvent, LeaseState, UsPhoneNumber},
    error::AppError,
    get_number::{LeaseView, PlatformView},
};

/// Our one country, in SMS-Activate's numbering.
pub const USA: &str = "187";

/// What goes back: the protocol's plain words, or JSON for the JSON actions.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Text(String),
    Json(serde_json::Value),
    /// The key's request budget is spent (HTTP 429).
    TooManyRequests,
}

fn text(word: impl Into<String>) -> Answer {
    Answer::Text(word.into())
}

pub async fn handle(svc: &Services, params: &HashMap<String, String>, meta: &RequestMeta) -> Answer {
    match answer(svc, params, meta).await {
        Ok(answer) => answer,
        Err(e) => {
            tracing::warn!(error = %e, "reseller API request failed");
            text("ERROR_SQL")
        }
    }
}

async fn answer(svc: &Services, params: &HashMap<String, String>, meta: &RequestMeta) -> Result<Answer, AppError> {
    let param = |name: &str| params.get(name).map(|v| v.trim()).unwrap_or("");
    let Some(caller) = api_keys::authenticate(svc, param("api_key"), meta).await? else {
        return Ok(text("BAD_KEY"));
    };
    if !api_keys::admit(svc, caller.key_id).await? {
        return Ok(Answer::TooManyRequests);
    }
    if !caller.email_verified {
        return Ok(text("BAD_KEY"));
    }
    match param("action") {
        "getBalance" => Ok(text(format!("ACCESS_BALANCE:{}", ledger::balance(&svc.db, caller.user_id).await?.decimal()))),
        "getNumber" => get_number(svc, caller, param("service"), param("country"), param("maxPrice"), false).await,
        "getNumberV2" => get_number(svc, caller, param("service"), param("country"), param("maxPrice"), true).await,
        "getExtraActivation" => extra_activation(svc, caller, param("activationId")).await,
        "getActiveActivations" => active_activations(svc, caller).await,
        "getStatus" => get_status(svc, caller, param("id")).await,
        "setStatus" => set_status(svc, caller, param("id"), param("status")).await,
        "getPrices" => get_prices(svc, caller, param("service"), param("country")).await,
        "getNumbersStatus" => numbers_status(svc, param("country")).await,
        "getCountries" => Ok(Answer::Json(serde_json::json!({
            USA: {"id": 187, "eng": "USA", "rus": "США", "chn": "美国", "visible": 1, "retry": 1, "rent": 0, "multiService": 0}
        }))),
        "getServicesList" => {
            let services: Vec<serde_json::Value> = platforms::list_enabled(svc)
                .await?
                .iter()
                .map(|p| serde_json::json!({"code": service_code(&p.slug), "name": p.name}))
                .collect();
            Ok(Answer::Json(serde_json::json!({"status": "success", "services": services})))
        }
        _ => Ok(text("BAD_ACTION")),
    }
}

/// The usual SMS-Activate code of a platform, else its slug.
fn service_code(slug: &str) -> String {
    protocol::service_code(slug).map(str::to_string).unwrap_or_else(|| slug.to_string())
}

/// Our platform for a service given as a usual code or as our slug.
async fn platform_for(svc: &Services, service: &str) -> Result<Option<platforms::Platform>, AppError> {
    let slug = protocol::platform_for_code(service).unwrap_or(service);
    Ok(platforms::by_slug(&svc.db, slug).await?.filter(|p| p.enabled))
}

/// The platform at the caller's price (their discount applied).
async fn at_price_of(svc: &Services, caller: Caller, platform: platforms::Platform) -> Result<platforms::Platform, AppError> {
    let discount = platforms::discount_of(&svc.db.pool, caller.user_id).await?;
    Ok(platforms::Platform { price: discount.apply(platform.price), ..platform })
}

async fn get_number(svc: &Services, caller: Caller, service: &str, country: &str, max_price: &str, v2: bool) -> Result<Answer, AppError> {
    let Some(platform) = platform_for(svc, service).await? else { return Ok(text("BAD_SERVICE")) };
    let platform = at_price_of(svc, caller, platform).await?;
    if !country.is_empty() && country != USA {
        return Ok(text("NO_NUMBERS")); // US numbers only
    }
    if !max_price.is_empty() {
        match protocol::parse_amount(max_price) {
            Some(max) if max >= platform.price.cents() => {}
            _ => return Ok(text(format!("WRONG_MAX_PRICE:{}", platform.price.decimal()))),
        }
    }
    let lease = match rent(svc, caller, &platform, None).await {
        Ok(lease) => lease,
        Err(e) => return Ok(text(confirm_error_word(&e))),
    };
    if !v2 {
        return Ok(access_number(&lease));
    }
    Ok(Answer::Json(serde_json::json!({
        "activationId": lease.id,
        "phoneNumber": phone_of(&lease),
        "activationCost": lease.price.decimal(),
        "countryCode": USA,
        "canGetAnotherSms": true,
        "activationTime": activation_time(&lease),
        "activationEndTime": lease.expires_at / 1000,
        "activationOperator": "any",
    })))
}

/// A lease for the caller at the platform's price: any number, or `number`.
async fn rent(svc: &Services, caller: Caller, platform: &platforms::Platform, number: Option<&UsPhoneNumber>) -> Result<LeaseView, LeaseError> {
    // Each purchase in this protocol is a new one: a fresh key.
    let idempotency_key = format!("api-{}", super::tokens::random_token());
    let request = ConfirmRequest {
        user_id: caller.user_id,
        email_verified: caller.email_verified,
        slug: &platform.slug,
        confirmed_price: platform.price,
        idempotency_key: &idempotency_key,
        api_key_id: Some(caller.key_id),
        number,
    };
    leases::confirm(svc, request).await
}

fn access_number(lease: &LeaseView) -> Answer {
    text(format!("ACCESS_NUMBER:{}:{}", lease.id, phone_of(lease)))
}

/// The number as the protocol writes it: digits, without the "+".
fn phone_of(lease: &LeaseView) -> &str {
    lease.number.trim_start_matches('+')
}

/// When the lease began, as the protocol writes it (UTC).
fn activation_time(lease: &LeaseView) -> String {
    time::OffsetDateTime::from_unix_timestamp(lease.created_at / 1000)
        .ok()
        .and_then(|t| t.format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]")).ok())
        .unwrap_or_default()
}

/// The caller's open leases, for a bot that lost track of them (after a
/// restart): each with its latest code and text, as SMS-Activate lists
/// them; its values are strings, as there.
async fn active_activations(svc: &Services, caller: Caller) -> Result<Answer, AppError> {
    let open = LeaseFilter { open_only: true, ..LeaseFilter::default() };
    let leases = leases::history(svc, caller.user_id, open, None, 100).await?;
    if leases.is_empty() {
        return Ok(Answer::Json(serde_json::json!({"status": "error", "error": "NO_ACTIVATIONS"})));
    }
    let activations: Vec<serde_json::Value> = leases
        .iter()
        .map(|lease| {
            let latest = lease.messages.last();
            serde_json::json!({
                "activationId": lease.id.to_string(),
                "serviceCode": service_code(&lease.platform_slug),
                "phoneNumber": phone_of(lease),
                "activationCost": lease.price.decimal(),
                // Ours: "0" waiting for a code, "1" a code arrived.
                "activationStatus": if lease.code.is_some() { "1" } else { "0" },
                "smsCode": lease.code,
                "smsText": latest.map(|m| m.body.as_str()),
                "activationTime": activation_time(lease),
                "activationEndTime": (lease.expires_at / 1000).to_string(),
                "countryCode": USA,
                "countryName": "USA",
                "canGetAnotherSms": "1",
                "discount": "0.00",
                "repeated": "0",
            })
        })
        .collect();
    Ok(Answer::Json(serde_json::json!({"status": "success", "activeActivations": activations})))
}

/// SMS-Activate's reactivation: a new lease on the number of one of the
/// caller's earlier leases, for its platform at today's price ("Rent
/// again" on the web).
async fn extra_activation(svc: &Services, caller: Caller, id: &str) -> Result<Answer, AppError> {
    let earlier = match id.parse::<i64>() {
        Ok(lease_id) => leases::of_customer(svc, caller.user_id, lease_id).await?,
        Err(_) => None,
    };
    let Some(earlier) = earlier else { return Ok(text("WRONG_ACTIVATION_ID")) };
    let Some(platform) = platforms::by_slug(&svc.db, &earlier.platform_slug).await?.filter(|p| p.enabled) else {
        return Ok(text("BAD_SERVICE"));
    };
    let platform = at_price_of(svc, caller, platform).await?;
    // Not a US number in E.164: never one of ours, so never rented again.
    let Ok(number) = UsPhoneNumber::parse(&earlier.number) else { return Ok(text("NO_NUMBERS")) };
    Ok(match rent(svc, caller, &platform, Some(&number)).await {
        Ok(lease) => access_number(&lease),
        Err(e) => text(confirm_error_word(&e)),
    })
}

fn confirm_error_word(error: &LeaseError) -> String {
    match error {
        LeaseError::Unverified => "BAD_KEY".into(),
        LeaseError::UnknownPlatform => "BAD_SERVICE".into(),
        LeaseError::TooLow { .. } => "NO_BALANCE".into(),
        LeaseError::NoNumbers(_) | LeaseError::NumberNotFree { .. } => "NO_NUMBERS".into(),
        LeaseError::TooManyOpen => "TOO_MANY_ACTIVE_RENTALS".into(),
        LeaseError::PriceChanged { price, .. } => format!("WRONG_MAX_PRICE:{}", price.decimal()),
        _ => "ERROR_SQL".into(),
    }
}

/// The caller's lease with this activation id: (state, latest code).
async fn caller_lease(svc: &Services, caller: Caller, id: &str) -> Result<Option<(LeaseState, Option<String>)>, AppError> {
    let Ok(lease_id) = id.parse::<i64>() else { return Ok(None) };
    let row: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT l.state, (SELECT m.code FROM sms_messages m WHERE m.lease_id = l.id AND m.code IS NOT NULL ORDER BY m.id DESC LIMIT 1) \
         FROM leases l WHERE l.id = $1 AND l.user_id = $2",
    )
    .bind(lease_id)
    .bind(caller.user_id)
    .fetch_optional(&svc.db.pool)
    .await?;
    Ok(row.map(|(state, code)| (LeaseState::parse(&state).unwrap_or(LeaseState::Completed), code)))
}

async fn get_status(svc: &Services, caller: Caller, id: &str) -> Result<Answer, AppError> {
    let Some((state, code)) = caller_lease(svc, caller, id).await? else { return Ok(text("WRONG_ACTIVATION_ID")) };
    let status = match (state, code) {
        (_, Some(code)) => ActivationStatus::Ok(code),
        (LeaseState::Active, None) => ActivationStatus::WaitCode,
        (_, None) => ActivationStatus::Cancelled,
    };
    Ok(text(status.to_string()))
}

async fn set_status(svc: &Services, caller: Caller, id: &str, status: &str) -> Result<Answer, AppError> {
    let Some((state, _)) = caller_lease(svc, caller, id).await? else { return Ok(text("WRONG_ACTIVATION_ID")) };
    let Some(status) = status.parse::<i64>().ok().and_then(SetStatus::from_code) else { return Ok(text("BAD_STATUS")) };
    let lease_id = id.parse::<i64>().unwrap_or_default();
    let event = match status {
        // Nothing to do: the number waits for SMS, and keeps receiving
        // them after a code until the lease ends.
        SetStatus::Ready | SetStatus::AnotherSms if state.is_open() => return Ok(text(status.accepted_answer())),
        SetStatus::Ready | SetStatus::AnotherSms => return Ok(text("BAD_STATUS")),
        SetStatus::Cancel if state == LeaseState::Cancelled => return Ok(text("ACCESS_CANCEL_ALREADY")),
        SetStatus::Cancel => LeaseEvent::Cancel,
        SetStatus::Complete => LeaseEvent::Complete,
    };
    Ok(match leases::apply(svc, lease_id, Some(caller.user_id), event).await {
        Ok(_) => text(status.accepted_answer()),
        Err(LeaseError::EarlyCancelDenied { .. }) => text("EARLY_CANCEL_DENIED"),
        Err(LeaseError::NotAllowed(_)) => text("BAD_STATUS"),
        Err(LeaseError::Other(AppError::NotFound)) => text("WRONG_ACTIVATION_ID"),
        Err(e) => return Err(e.into()),
    })
}

/// The caller's prices (their discount applied).
async fn get_prices(svc: &Services, caller: Caller, service: &str, country: &str) -> Result<Answer, AppError> {
    if !country.is_empty() && country != USA {
        return Ok(Answer::Json(serde_json::json!({})));
    }
    let discount = platforms::discount_of(&svc.db.pool, caller.user_id).await?;
    let mut services = serde_json::Map::new();
    for (platform, code, count) in on_offer(svc).await? {
        if service.is_empty() || service == code || service == platform.slug {
            let cost = discount.apply(platform.price).cents() as f64 / 100.0;
            services.insert(code, serde_json::json!({"cost": cost, "count": count}));
        }
    }
    Ok(Answer::Json(serde_json::json!({ USA: services })))
}

/// `getNumbersStatus`: how many numbers each service has, as
/// `{"<code>_0": "<count>"}` ("_0": no call forwarding), strings as
/// SMS-Activate writes them.
async fn numbers_status(svc: &Services, country: &str) -> Result<Answer, AppError> {
    if !country.is_empty() && country != USA {
        return Ok(Answer::Json(serde_json::json!({})));
    }
    let counts: serde_json::Map<String, serde_json::Value> =
        on_offer(svc).await?.into_iter().map(|(_, code, count)| (format!("{code}_0"), count.to_string().into())).collect();
    Ok(Answer::Json(counts.into()))
}

/// The platforms on offer, each with its service code and how many
/// numbers it has: ours free for it, and what upstreams counted.
async fn on_offer(svc: &Services) -> Result<Vec<(PlatformView, String, i64)>, AppError> {
    let free = super::stock::free_numbers(svc).await?;
    Ok(platforms::list_enabled(svc)
        .await?
        .iter()
        .map(|p| {
            let count = free.for_platform(&p.slug) + svc.upstreams.stock(&p.slug).counted.unwrap_or(0);
            (p.clone(), service_code(&p.slug), count)
        })
        .collect())
}
