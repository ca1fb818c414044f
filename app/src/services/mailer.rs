//! Outgoing mail. With SMTP configured, a mail is queued in the
//! transaction that made it (`mail_outbox`) and a background task sends
//! it, retrying while the SMTP server is down: a code the user was told
//! about is not lost to an outage, and no request waits on SMTP. With no
//! SMTP server (the embedded default) mail goes to the development
//! outbox at once: logged and readable on /dev/outbox.
use super::clock::DAY_MS;
use std::sync::Arc;

use lettre::{message::Mailbox, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use super::{request::RequestMeta, Services};
use crate::{domain::Email, error::AppError};

#[derive(Clone)]
pub enum Mailer {
    Smtp {
        /// Boxed: it is large, and the development outbox has none.
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        from: Mailbox,
        /// Wakes the sending task when a mail was queued.
        queued: Arc<Notify>,
    },
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

/// One mail to queue.
#[derive(Debug, Clone)]
pub struct Mail<'a> {
    pub to: &'a Email,
    pub subject: String,
    pub body: String,
    /// Not sent after this time (a code that has expired is no use).
    pub send_before: i64,
    /// An unsent mail queued earlier with the same key is dropped.
    pub replaces: Option<String>,
    /// The account whose words the mail quotes to someone else: unsent,
    /// it goes when that account is deleted.
    pub about: Option<i64>,
}

/// A notice (a sign-in, an email change, a balance change) may wait this long for a mail
/// server: it still matters days later, unlike a code.
pub const NOTICE_SEND_WITHIN_MS: i64 = 7 * DAY_MS;

impl<'a> Mail<'a> {
    /// A mail that is not a code: kept for `NOTICE_SEND_WITHIN_MS` while
    /// the mail server is down.
    pub fn notice(to: &'a Email, subject: impl Into<String>, body: String, now: i64) -> Self {
        Mail { to, subject: subject.into(), body, send_before: now + NOTICE_SEND_WITHIN_MS, replaces: None, about: None }
    }

    /// Marks the mail as quoting `user_id`'s words (see `about`).
    pub fn about(self, user_id: i64) -> Self {
        Mail { about: Some(user_id), ..self }
    }
}

/// Where and when a security notice's event happened, as the owner reads
/// it: "from Firefox on Linux (IP address 203.0.113.5), 2 Dec 2026 …".
pub fn whence(meta: &RequestMeta, now: i64) -> String {
    format!(
        "from {} (IP address {}), {}",
        crate::account::describe_browser(&meta.user_agent),
        meta.ip,
        crate::components::local_time::format_utc(now)
    )
}

/// Where a security notice about an account may go: its address, once
/// verified. An unverified address may be a typo, someone else's: it is
/// told nothing.
pub fn notice_address(email: &str, verified_at: Option<i64>) -> Option<Email> {
    verified_at.and_then(|_| Email::parse(email).ok())
}

/// Where mail to the operators goes: every admin who can sign in and has
/// a verified address; with `support_mail_only`, the staff (support staff
/// too) who want customers' support messages.
pub async fn admin_addresses(conn: &mut sqlx::AnyConnection, support_mail_only: bool) -> Result<Vec<Email>, AppError> {
    let admins: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT email, email_verified_at FROM users \
         WHERE (role = 'admin' OR (role = 'support' AND $1 = 1)) AND (support_mail = 1 OR $1 = 0) \
           AND disabled_at IS NULL AND deleted_at IS NULL ORDER BY id",
    )
    .bind(i64::from(support_mail_only))
    .fetch_all(conn)
    .await?;
    Ok(admins.into_iter().filter_map(|(email, verified_at)| notice_address(&email, verified_at)).collect())
}

/// ": <address>" of a page where the site's public address is known;
/// nothing on a local server, whose address a mail reader could not open.
pub fn link_to(svc: &Services, path: &str) -> String {
    svc.public_url.as_deref().map(|base| format!(": {base}{path}")).unwrap_or_default()
}

/// The sender mails carry when the operator names none: the brand, at
/// no-reply@ the site's domain (a placeholder domain without one), so an
/// operator who sets only the brand and the address sends as them.
pub fn default_sender(brand: &str, site_domain: Option<&str>) -> String {
    use std::fmt::Write;
    let placeholder = || lettre::Address::new("no-reply", "usnumhub.example");
    let Ok(address) = site_domain.and_then(|domain| lettre::Address::new("no-reply", domain).ok()).map_or_else(placeholder, Ok)
    else {
        return "no-reply@usnumhub.example".into();
    };
    // Mailbox quotes a display name that needs it ("A, B"); a name it
    // cannot write (a line break) leaves the bare address.
    let mut sender = String::new();
    match write!(sender, "{}", Mailbox::new(Some(brand.to_string()), address.clone())) {
        Ok(()) => sender,
        Err(_) => address.to_string(),
    }
}

/// Attempts are retried this long apart at first, doubling up to a minute:
/// codes live minutes, so waiting longer would outlive them.
const FIRST_RETRY_MS: i64 = 2_000;
const MAX_RETRY_MS: i64 = 60_000;
/// How long a sender holds a mail it took before another instance may
/// try it (a sender that died mid-send).
const CLAIM_MS: i64 = 60_000;

impl Mailer {
    /// `smtp://host:port` (plain, or `?tls=required` for STARTTLS) or
    /// `smtps://user:password@host:465`.
    pub fn smtp(url: &str, from: &str) -> Result<Mailer, String> {
        let from: Mailbox = from.parse().map_err(|e| format!("USNH_MAIL_FROM is not a mailbox: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("USNH_SMTP_URL is not usable: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        Ok(Mailer::Smtp { transport: Box::new(transport), from, queued: Arc::new(Notify::new()) })
    }

    /// Whether the SMTP server answers and accepts us (connection, TLS,
    /// login, as configured), for `server check`; nothing is sent.
    pub async fn check_connection(&self) -> Result<(), String> {
        match self {
            Mailer::Smtp { transport, .. } => match transport.test_connection().await {
                Ok(true) => Ok(()),
                Ok(false) => Err("the SMTP server did not accept the connection".into()),
                Err(e) => Err(format!("the SMTP server cannot be used: {e}")),
            },
            Mailer::DevOutbox => Ok(()),
        }
    }

    pub fn is_dev_outbox(&self) -> bool {
        matches!(self, Mailer::DevOutbox)
    }

    /// Queues a mail inside the caller's transaction; call `wake` once it
    /// committed, so it goes out without waiting for the next round.
    pub async fn enqueue(&self, conn: &mut sqlx::AnyConnection, now: i64, mail: &Mail<'_>) -> Result<(), AppError> {
        let Mail { to, subject, body, send_before, replaces, about } = mail;
        match self {
            Mailer::Smtp { .. } => {
                // Checked now, so that an address SMTP cannot take is the
                // caller's error instead of a mail retried for nothing.
                mailbox(to)?;
                if let Some(key) = replaces {
                    sqlx::query("DELETE FROM mail_outbox WHERE replace_key = $1").bind(key).execute(&mut *conn).await?;
                }
                sqlx::query(
                    "INSERT INTO mail_outbox (to_addr, subject, body, replace_key, next_attempt_at, send_before, created_at, about_user_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $5, $7)",
                )
                .bind(to.as_str())
                .bind(subject)
                .bind(body)
                .bind(replaces.as_deref())
                .bind(now)
                .bind(send_before)
                .bind(*about)
                .execute(conn)
                .await?;
            }
            Mailer::DevOutbox => {
                tracing::info!(to = %to.as_str(), %subject, %body, "development outbox (no SMTP configured)");
                sqlx::query("INSERT INTO dev_outbox (to_addr, subject, body, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(to.as_str())
                    .bind(subject)
                    .bind(body)
                    .bind(now)
                    .execute(conn)
                    .await?;
            }
        }
        Ok(())
    }

    /// Queues a notice that must not stop what it reports (money moved, a
    /// request closed): an address the mail server cannot take is logged
    /// instead of failing the caller's transaction. Whether it was queued.
    pub async fn enqueue_notice(&self, conn: &mut sqlx::AnyConnection, now: i64, mail: &Mail<'_>) -> Result<bool, AppError> {
        match self.enqueue(conn, now, mail).await {
            Err(AppError::Invalid(why)) => {
                tracing::warn!(subject = %mail.subject, %why, "notice not queued");
                Ok(false)
            }
            other => other.map(|()| true),
        }
    }

    /// Tells the sending task that mail was queued.
    pub fn wake(&self) {
        if let Mailer::Smtp { queued, .. } = self {
            queued.notify_one();
        }
    }

    /// Resolves when `wake` was called (never for the development outbox,
    /// which has nothing to send).
    pub async fn queued(&self) {
        match self {
            Mailer::Smtp { queued, .. } => queued.notified().await,
            Mailer::DevOutbox => std::future::pending().await,
        }
    }
}

fn mailbox(to: &Email) -> Result<Mailbox, AppError> {
    to.as_str().parse().map_err(|_| AppError::Invalid("This email address cannot receive mail.".into()))
}

/// What one round of sending did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub sent: usize,
    pub failed: usize,
    /// Dropped unsent: past their time.
    pub expired: usize,
}

/// Sends every queued mail that is due, one after another over the SMTP
/// transport's pooled connection. A failed mail is tried again later
/// with backoff, until its `send_before`.
pub async fn deliver_due(svc: &Services) -> Result<Delivery, AppError> {
    let Mailer::Smtp { transport, from, .. } = &svc.mailer else {
        return Ok(Delivery::default());
    };
    let now = svc.now();
    let mut done = Delivery::default();
    let expired = sqlx::query("DELETE FROM mail_outbox WHERE send_before <= $1").bind(now).execute(&svc.db.pool).await?;
    done.expired = expired.rows_affected() as usize;
    if done.expired > 0 {
        tracing::warn!(count = done.expired, "queued mail dropped unsent: past its time");
    }
    type Row = (i64, String, String, String, i64, i64, i64);
    let due: Vec<Row> = sqlx::query_as(
        "SELECT id, to_addr, subject, body, attempts, next_attempt_at, created_at FROM mail_outbox \
         WHERE next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT 50",
    )
    .bind(now)
    .fetch_all(&svc.db.pool)
    .await?;
    for (id, to, subject, body, attempts, next_attempt_at, created_at) in due {
        // Claim it, so that one instance sends each mail.
        let claimed = sqlx::query("UPDATE mail_outbox SET next_attempt_at = $1, attempts = $2 WHERE id = $3 AND next_attempt_at = $4")
            .bind(now + CLAIM_MS)
            .bind(attempts + 1)
            .bind(id)
            .bind(next_attempt_at)
            .execute(&svc.db.pool)
            .await?
            .rows_affected();
        if claimed == 0 {
            continue;
        }
        // The same for every attempt at this mail: a receiver that got an
        // attempt whose answer was lost can drop the repeat.
        let message_id = format!("<mail-{id}.{created_at}@{}>", from.email.domain());
        match send(transport, from, &message_id, &to, &subject, body).await {
            Ok(()) => {
                sqlx::query("DELETE FROM mail_outbox WHERE id = $1").bind(id).execute(&svc.db.pool).await?;
                done.sent += 1;
            }
            Err(Failure::Permanent(error)) => {
                // The server refused this mail for good: retrying changes nothing.
                tracing::error!(mail = id, %error, "mail refused by the SMTP server; dropped");
                sqlx::query("DELETE FROM mail_outbox WHERE id = $1").bind(id).execute(&svc.db.pool).await?;
                done.failed += 1;
            }
            Err(Failure::Transient(error)) => {
                tracing::warn!(mail = id, attempt = attempts + 1, %error, "sending mail failed; will retry");
                let wait = (FIRST_RETRY_MS << attempts.clamp(0, 10)).min(MAX_RETRY_MS);
                sqlx::query("UPDATE mail_outbox SET next_attempt_at = $1, last_error = $2 WHERE id = $3")
                    .bind(svc.now() + wait)
                    .bind(&error)
                    .bind(id)
                    .execute(&svc.db.pool)
                    .await?;
                done.failed += 1;
                // Most likely the server is down or slow: the rest waits
                // for the next round instead of each timing out in turn.
                break;
            }
        }
    }
    Ok(done)
}

enum Failure {
    Transient(String),
    Permanent(String),
}

async fn send(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    message_id: &str,
    to: &str,
    subject: &str,
    body: String,
) -> Result<(), Failure> {
    let to: Mailbox = to.parse().map_err(|e| Failure::Permanent(format!("bad recipient: {e}")))?;
    let message = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(message_id.to_string()))
        .body(body)
        .map_err(|e| Failure::Permanent(e.to_string()))?;
    match transport.send(message).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() => Err(Failure::Permanent(e.to_string())),
        Err(e) => Err(Failure::Transient(e.to_string())),
    }
}
