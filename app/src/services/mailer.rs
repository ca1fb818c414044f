//! Outgoing mail over SMTP (lettre). With no SMTP server configured (the
//! embedded default) mail goes to the development outbox: logged and
//! readable on /dev/outbox.
use lettre::{
    message::Mailbox, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use super::db::Db;
use crate::{domain::Email, error::AppError};

#[derive(Clone)]
pub enum Mailer {
    Smtp { transport: AsyncSmtpTransport<Tokio1Executor>, from: Mailbox },
    DevOutbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp { from, .. } => write!(f, "Mailer::Smtp(from {from})"),
            Mailer::DevOutbox => f.write_str("Mailer::DevOutbox"),
        }
    }
}

impl Mailer {
    /// `smtp://host:port` (plain, or `?tls=required` for STARTTLS) or
    /// `smtps://user:password@host:465`.
    pub fn smtp(url: &str, from: &str) -> Result<Mailer, String> {
        let from: Mailbox = from.parse().map_err(|e| format!("USNH_MAIL_FROM is not a mailbox: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("USNH_SMTP_URL is not usable: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        Ok(Mailer::Smtp { transport, from })
    }

    pub fn is_dev_outbox(&self) -> bool {
        matches!(self, Mailer::DevOutbox)
    }

    pub async fn send(&self, db: &Db, now: i64, to: &str, subject: &str, body: &str) -> Result<(), AppError> {
        match self {
            Mailer::Smtp { transport, from } => {
                let to: Mailbox = Email::parse(to)
                    .map_err(AppError::Invalid)?
                    .as_str()
                    .parse()
                    .map_err(|_| AppError::Invalid("This email address cannot receive mail.".into()))?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(subject)
                    .body(body.to_string())
                    .map_err(|e| {
                        tracing::error!(error = %e, "building mail failed");
                        AppError::Internal
                    })?;
                transport.send(message).await.map_err(|e| {
                    tracing::error!(error = %e, "sending mail failed");
                    AppError::Unavailable("We could not send the email just now. Try again in a minute.".into())
                })?;
                Ok(())
            }
            Mailer::DevOutbox => {
                tracing::info!(%to, %subject, %body, "development outbox (no SMTP configured)");
                sqlx::query("INSERT INTO dev_outbox (to_addr, subject, body, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(to)
                    .bind(subject)
                    .bind(body)
                    .bind(now)
                    .execute(&db.pool)
                    .await?;
                Ok(())
            }
        }
    }
}
