//! SMS arriving for the operator's numbers, from any gateway, after its
//! webhook's signature was checked: routed to the number's open lease
//! (or kept unmatched for admins), with the code extracted. Nothing a
//! gateway sends is lost: a message we cannot place is kept unmatched.
use super::{
    code_extraction::extract_code,
    leases::{self, NewSms},
    numbers, Services,
};
use crate::{domain::UsPhoneNumber, error::AppError, number_pool::UnmatchedSms};

/// Whom a message was sent to, as the gateway tells it.
#[derive(Debug, Clone)]
pub enum Recipient {
    /// A phone number (Twilio, the generic webhook).
    Number(String),
    /// A SIM slot of an SMS Gateway for Android phone.
    AndroidSim { device_id: String, sim: i64 },
}

/// A message as a gateway reported it.
#[derive(Debug, Clone)]
pub struct InboundSms {
    /// Which gateway: "twilio", "android", "generic".
    pub source: &'static str,
    /// The gateway's own id for the message; redeliveries repeat it.
    pub message_id: String,
    pub from: String,
    pub to: Recipient,
    pub text: String,
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub lease_id: Option<i64>,
    pub code: Option<String>,
}

/// At most `max` characters, without NULs (PostgreSQL text refuses them).
fn clean(text: &str, max: usize) -> String {
    text.chars().filter(|c| *c != '\0').take(max).collect()
}

pub async fn receive(svc: &Services, sms: InboundSms) -> Result<Received, AppError> {
    let message_id = clean(&sms.message_id, 200);
    if message_id.trim().is_empty() {
        return Err(AppError::Invalid("The message id is missing.".into()));
    }
    let (number_id, recipient) = match &sms.to {
        Recipient::Number(to) => {
            let number_id = match UsPhoneNumber::parse(to) {
                Ok(number) => sqlx::query_scalar("SELECT id FROM numbers WHERE e164 = $1")
                    .bind(number.as_str())
                    .fetch_optional(&svc.db.pool)
                    .await?,
                Err(_) => None,
            };
            (number_id, clean(to, 64))
        }
        Recipient::AndroidSim { device_id, sim } => {
            // A device id no pool number could name is looked up nowhere.
            let number_id = match numbers::GatewaySim::parse(device_id, *sim) {
                Ok(gateway) => numbers::by_gateway_sim(&svc.db, &gateway.device_id, gateway.sim).await?,
                Err(_) => None,
            };
            (number_id, clean(&format!("Android {device_id} SIM {sim}"), 140))
        }
    };
    let text = clean(&sms.text, 1600);
    let code = extract_code(&text);
    let source_message_id = format!("{}:{message_id}", sms.source);
    let stored = NewSms {
        number_id,
        recipient: &recipient,
        sender: &clean(&sms.from, 64),
        body: &text,
        code: code.as_deref(),
        source: sms.source,
        source_message_id: &source_message_id,
    };
    let lease_id = leases::record_sms(svc, stored).await?;
    Ok(Received { lease_id, code })
}

/// Messages no lease took and no admin has handled yet, oldest first.
pub async fn unmatched(svc: &Services) -> Result<Vec<UnmatchedSms>, AppError> {
    type Row = (i64, String, String, String, Option<String>, String, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, recipient, sender, body, code, source, received_at FROM sms_messages \
         WHERE lease_id IS NULL AND dismissed_at IS NULL ORDER BY received_at, id LIMIT 200",
    )
    .fetch_all(&svc.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, recipient, sender, body, code, source, at)| UnmatchedSms { id, recipient, sender, body, code, source, at })
        .collect())
}

/// An admin sets an unmatched message aside (spam, a number no longer ours).
pub async fn dismiss(svc: &Services, admin_user_id: i64, sms_id: i64) -> Result<(), AppError> {
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let done = sqlx::query("UPDATE sms_messages SET dismissed_at = $1, dismissed_by = $2 WHERE id = $3 AND lease_id IS NULL AND dismissed_at IS NULL")
        .bind(now)
        .bind(admin_user_id)
        .bind(sms_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(AppError::Invalid("That message is no longer unmatched.".into()));
    }
    super::audit::record(&mut *tx, now, admin_user_id, "sms.dismiss", None, &format!("sms {sms_id} unmatched"), "dismissed").await?;
    tx.commit().await?;
    Ok(())
}
