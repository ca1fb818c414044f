//! SMS arriving for the operator's numbers, from any gateway, after its
//! webhook's signature was checked: routed to the number's open lease
//! (or kept unmatched for admins), with the code extracted.
use super::{code_extraction::extract_code, leases, Services};
use crate::{domain::UsPhoneNumber, error::AppError};

/// A message as a gateway reported it.
#[derive(Debug, Clone)]
pub struct InboundSms {
    /// Which gateway: "twilio", "android", "generic".
    pub source: &'static str,
    /// The gateway's own id for the message; redeliveries repeat it.
    pub message_id: String,
    pub from: String,
    pub to: String,
    pub text: String,
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub lease_id: Option<i64>,
    pub code: Option<String>,
}

pub async fn receive(svc: &Services, sms: InboundSms) -> Result<Received, AppError> {
    if sms.message_id.is_empty() || sms.message_id.len() > 200 {
        return Err(AppError::Invalid("The message id is missing or too long.".into()));
    }
    let to = UsPhoneNumber::parse(&sms.to).map_err(|e| AppError::Invalid(format!("To: {e}")))?;
    let from: String = sms.from.chars().take(64).collect();
    let text: String = sms.text.chars().take(1600).collect();
    let number_id: Option<i64> = sqlx::query_scalar("SELECT id FROM numbers WHERE e164 = $1")
        .bind(to.as_str())
        .fetch_optional(&svc.db.pool)
        .await?;
    let code = extract_code(&text);
    let lease_id = leases::record_sms(
        svc,
        number_id,
        &from,
        &text,
        code.as_deref(),
        sms.source,
        &format!("{}:{}", sms.source, sms.message_id),
    )
    .await?;
    Ok(Received { lease_id, code })
}
