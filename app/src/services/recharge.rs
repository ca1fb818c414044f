//! Admin recharge and corrections: find the customer, then post a top-up
//! or an adjustment through the ledger, with an audit entry and a mail to
//! the customer in the same transaction.
use super::{audit, ledger, ledger::Posting, mailer::Mail, top_up_requests, Services};
use crate::{
    domain::{Email, EntryKind, Money, PublicUserId},
    error::AppError,
    wallet::UserSummary,
};

/// Finds a customer by public user ID, email or username. A user ID wins:
/// the ID a customer sent over WhatsApp must credit them, even when
/// someone chose that ID's six characters ("7k3q9m") as a username.
pub async fn find_user(svc: &Services, query: &str) -> Result<UserSummary, AppError> {
    let query = query.trim();
    if query.is_empty() || query.len() > 254 {
        return Err(AppError::Invalid("Enter a user ID (UN-…), an email or a username.".into()));
    }
    const COLUMNS: &str = "SELECT id, public_id, username, email FROM users WHERE deleted_at IS NULL";
    let mut row: Option<(i64, String, String, String)> = None;
    if let Ok(id) = PublicUserId::parse(query) {
        row = sqlx::query_as(&format!("{COLUMNS} AND public_id = $1")).bind(id.as_str()).fetch_optional(&svc.db.pool).await?;
    }
    if row.is_none() {
        // Email and username are each unique; no address is a username
        // (usernames have no '@'), so at most one row matches.
        row = sqlx::query_as(&format!("{COLUMNS} AND (email = $1 OR username = $1)"))
            .bind(query.to_lowercase())
            .fetch_optional(&svc.db.pool)
            .await?;
    }
    let Some((user_id, public_id, username, email)) = row else {
        return Err(AppError::Invalid(format!("No account matches {query:?}.")));
    };
    let balance = ledger::balance(&svc.db, user_id).await?;
    Ok(UserSummary { public_id, username, email, balance })
}

/// The account's id and email address.
async fn account_of(svc: &Services, public_id: &PublicUserId) -> Result<(i64, String), AppError> {
    sqlx::query_as("SELECT id, email FROM users WHERE public_id = $1 AND deleted_at IS NULL")
        .bind(public_id.as_str())
        .fetch_optional(&svc.db.pool)
        .await?
        .ok_or_else(|| AppError::Invalid(format!("No account has the user ID {public_id}.")))
}

/// The customer's mail about money an admin moved: what, why, and the
/// balance now.
fn balance_notice(brand: &str, kind: EntryKind, entry: &ledger::Entry) -> (String, String) {
    let why = if entry.note.is_empty() { String::new() } else { format!("\nNote: {}\n", entry.note) };
    let footer = format!(
        "\nEvery entry is on the Wallet page of your {brand} account. \
         If you did not expect this, write to us from the Support page.\n"
    );
    match kind {
        EntryKind::TopUp => (
            format!("{} added to your {brand} wallet", entry.amount),
            format!("We added {} to your wallet. Your balance is now {}.\n{why}{footer}", entry.amount, entry.balance_after),
        ),
        _ => (
            format!("Your {brand} balance was corrected"),
            format!("An administrator corrected your balance by {}. Your balance is now {}.\n{why}{footer}", entry.amount, entry.balance_after),
        ),
    }
}

/// Queues the balance notice in the entry's transaction. An address that
/// cannot take mail is logged: it must not stop the money.
async fn queue_balance_notice(
    svc: &Services,
    conn: &mut sqlx::AnyConnection,
    now: i64,
    email: &str,
    kind: EntryKind,
    entry: &ledger::Entry,
) -> Result<(), AppError> {
    let to = match Email::parse(email) {
        Ok(to) => to,
        Err(why) => {
            tracing::warn!(user_id = entry.user_id, %why, "no balance notice: the stored address does not parse");
            return Ok(());
        }
    };
    let (subject, body) = balance_notice(&svc.brand, kind, entry);
    svc.mailer.enqueue_notice(conn, now, &Mail::notice(&to, subject, body, now)).await?;
    Ok(())
}

/// Credits money the operator received. `idempotency_key` comes with the
/// confirmation form, so a double click credits once; `request`, the
/// customer's top-up request it answers, is marked credited with it.
pub async fn top_up(
    svc: &Services,
    admin_id: i64,
    public_id: &PublicUserId,
    amount: Money,
    note: &str,
    idempotency_key: &str,
    request: Option<i64>,
) -> Result<ledger::Entry, AppError> {
    let kind = Kind::TopUp { request };
    post_with_audit(svc, admin_id, public_id, kind, amount, note, idempotency_key).await
}

/// A correction, either way; never below zero; a reason is required.
pub async fn adjust(
    svc: &Services,
    admin_id: i64,
    public_id: &PublicUserId,
    amount: Money,
    reason: &str,
    idempotency_key: &str,
) -> Result<ledger::Entry, AppError> {
    if reason.trim().len() < 3 {
        return Err(AppError::Invalid("Give the reason for the adjustment.".into()));
    }
    post_with_audit(svc, admin_id, public_id, Kind::Adjustment, amount, reason, idempotency_key).await
}

/// What an admin posts.
#[derive(Clone, Copy)]
enum Kind {
    TopUp { request: Option<i64> },
    Adjustment,
}

impl Kind {
    fn entry(self) -> EntryKind {
        match self {
            Kind::TopUp { .. } => EntryKind::TopUp,
            Kind::Adjustment => EntryKind::AdminAdjustment,
        }
    }

    fn audit_action(self) -> &'static str {
        match self {
            Kind::TopUp { .. } => "top_up",
            Kind::Adjustment => "adjustment",
        }
    }
}

async fn post_with_audit(
    svc: &Services,
    admin_id: i64,
    public_id: &PublicUserId,
    posted: Kind,
    amount: Money,
    note: &str,
    idempotency_key: &str,
) -> Result<ledger::Entry, AppError> {
    let kind = posted.entry();
    if note.chars().count() > 500 {
        return Err(AppError::Invalid("Keep the note under 500 characters.".into()));
    }
    if idempotency_key.len() < 16 || idempotency_key.len() > 100 {
        return Err(AppError::Invalid("The confirmation expired; look the user up again.".into()));
    }
    let (user_id, email) = account_of(svc, public_id).await?;
    let posting = Posting {
        user_id,
        kind,
        amount,
        lease_id: None,
        actor_user_id: Some(admin_id),
        note: note.trim(),
        idempotency_key: &format!("admin:{idempotency_key}"),
    };
    for _ in 0..2 {
        let now = svc.now();
        let mut tx = svc.db.begin_write().await?;
        match ledger::post_in(&mut tx, now, &posting).await {
            Ok(ledger::Posted::New(entry)) => {
                let before = Money::from_cents(entry.balance_after.cents() - entry.amount.cents());
                audit::record(
                    &mut *tx,
                    now,
                    admin_id,
                    posted.audit_action(),
                    Some(user_id),
                    &format!("balance {before}"),
                    &format!("balance {} ({} {}: {})", entry.balance_after, kind.label(), entry.amount, entry.note),
                )
                .await?;
                // Queued with the entry, so the customer hears of each
                // change once, however often the admin's click is retried.
                queue_balance_notice(svc, &mut tx, now, &email, kind, &entry).await?;
                if let Kind::TopUp { request: Some(request) } = posted {
                    top_up_requests::mark_credited(&mut tx, now, request, user_id, admin_id, entry.id).await?;
                }
                // Open pages of the customer's show the new balance at once.
                let change = super::events::AccountChanged::wallet(user_id);
                svc.events.announce_in(&mut tx, change).await?;
                tx.commit().await?;
                svc.events.committed(change);
                svc.mailer.wake();
                return Ok(entry);
            }
            // A retry of an earlier confirmation: nothing new to record.
            Ok(ledger::Posted::Repeat(entry)) => return Ok(entry),
            Err(ledger::LedgerError::Race) => continue,
            Err(ledger::LedgerError::InsufficientFunds) => {
                drop(tx);
                let balance = ledger::balance(&svc.db, user_id).await?;
                return Err(AppError::Invalid(format!("The balance is {balance}; an adjustment cannot take it below zero.")));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Unavailable("Busy; please try again.".into()))
}
