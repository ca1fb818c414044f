//! Top-up requests: a customer states the amount they are sending; the
//! admins see open requests beside the recharge form. A request is not
//! money: crediting one is the usual top-up (`recharge::top_up`), which
//! marks it credited in the ledger entry's transaction.
use super::clock::DAY_MS;
use super::{
    audit,
    mailer::{notice_address, Mail},
    Services,
};
use crate::{
    domain::Money,
    error::AppError,
    top_up_requests::{PendingTopUp, RequestStatus, TopUpRequest, OPEN_FOR_DAYS},
};

/// How long a decided request stays on the customer's Wallet page.
const SHOWN_FOR_MS: i64 = 7 * DAY_MS;

type Row = (i64, i64, String, i64, Option<i64>);

fn request((id, amount_cents, status, created_at, decided_at): Row) -> TopUpRequest {
    TopUpRequest {
        id,
        amount: Money::from_cents(amount_cents),
        status: RequestStatus::parse(&status).unwrap_or(RequestStatus::Withdrawn),
        created_at,
        decided_at,
    }
}

/// Opens the customer's request, or changes the amount of the open one
/// (one statement: two at once cannot make two).
pub async fn open(svc: &Services, user_id: i64, amount: Money) -> Result<TopUpRequest, AppError> {
    let now = svc.now();
    let row: Row = sqlx::query_as(
        "INSERT INTO top_up_requests (user_id, amount_cents, status, created_at) VALUES ($1, $2, 'pending', $3) \
         ON CONFLICT (user_id) WHERE status = 'pending' DO UPDATE SET amount_cents = excluded.amount_cents, created_at = excluded.created_at \
         RETURNING id, amount_cents, status, created_at, decided_at",
    )
    .bind(user_id)
    .bind(amount.cents())
    .bind(now)
    .fetch_one(&svc.db.pool)
    .await?;
    Ok(request(row))
}

/// The customer's open request, or the last one decided this week.
pub async fn latest(svc: &Services, user_id: i64) -> Result<Option<TopUpRequest>, AppError> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, amount_cents, status, created_at, decided_at FROM top_up_requests \
         WHERE user_id = $1 AND (status = 'pending' OR (status IN ('credited', 'dismissed', 'expired') AND decided_at > $2)) \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(svc.now() - SHOWN_FOR_MS)
    .fetch_optional(&svc.db.pool)
    .await?;
    Ok(row.map(request))
}

/// The customer takes their open request back (nothing to do without one).
pub async fn withdraw(svc: &Services, user_id: i64) -> Result<(), AppError> {
    let mut conn = svc.db.pool.acquire().await?;
    withdraw_in(&mut conn, svc.now(), user_id).await
}

/// `withdraw` inside the caller's transaction (an account's deletion).
pub async fn withdraw_in(conn: &mut sqlx::AnyConnection, now: i64, user_id: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE top_up_requests SET status = 'withdrawn', decided_at = $1 WHERE user_id = $2 AND status = 'pending'")
        .bind(now)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Closes requests open longer than `OPEN_FOR_DAYS` (housekeeping); the
/// customer's Wallet page says so. Returns how many expired.
pub async fn expire_stale(svc: &Services) -> Result<u64, sqlx::Error> {
    let now = svc.now();
    let expired = sqlx::query("UPDATE top_up_requests SET status = 'expired', decided_at = $1 WHERE status = 'pending' AND created_at < $2")
        .bind(now)
        .bind(now - OPEN_FOR_DAYS * DAY_MS)
        .execute(&svc.db.pool)
        .await?
        .rows_affected();
    Ok(expired)
}

/// Open requests for the admins, oldest first (first come, first served).
pub async fn pending(svc: &Services) -> Result<Vec<PendingTopUp>, AppError> {
    let rows: Vec<(i64, String, String, i64, i64)> = sqlx::query_as(
        "SELECT r.id, u.public_id, u.username, r.amount_cents, r.created_at FROM top_up_requests r JOIN users u ON u.id = r.user_id \
         WHERE r.status = 'pending' ORDER BY r.created_at, r.id LIMIT 200",
    )
    .fetch_all(&svc.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, public_id, username, cents, created_at)| PendingTopUp { id, public_id, username, amount: Money::from_cents(cents), created_at })
        .collect())
}

pub async fn open_count(svc: &Services) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM top_up_requests WHERE status = 'pending'").fetch_one(&svc.db.pool).await?)
}

/// The open request `request_id`, as the recharge form is filled from it:
/// the customer's public ID and the amount.
pub async fn for_recharge(svc: &Services, request_id: i64) -> Result<(String, Money), AppError> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT u.public_id, r.amount_cents FROM top_up_requests r JOIN users u ON u.id = r.user_id \
         WHERE r.id = $1 AND r.status = 'pending' AND u.deleted_at IS NULL",
    )
    .bind(request_id)
    .fetch_optional(&svc.db.pool)
    .await?;
    let (public_id, cents) = row.ok_or_else(|| AppError::Invalid("That request is no longer open.".into()))?;
    Ok((public_id, Money::from_cents(cents)))
}

/// The open request of the customer with `public_id`: a recharge typed by
/// hand for its amount answers it, as "Fill in" would.
pub async fn open_of(svc: &Services, public_id: &str) -> Result<Option<(i64, Money)>, AppError> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT r.id, r.amount_cents FROM top_up_requests r JOIN users u ON u.id = r.user_id \
         WHERE u.public_id = $1 AND r.status = 'pending'",
    )
    .bind(public_id)
    .fetch_optional(&svc.db.pool)
    .await?;
    Ok(row.map(|(id, cents)| (id, Money::from_cents(cents))))
}

/// Links the top-up entry to the request it answers, in the entry's
/// transaction. A request the customer withdrew meanwhile is still
/// marked: the money came for it.
pub async fn mark_credited(
    conn: &mut sqlx::AnyConnection,
    now: i64,
    request_id: i64,
    user_id: i64,
    admin_id: i64,
    entry_id: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE top_up_requests SET status = 'credited', decided_at = $1, decided_by = $2, ledger_entry_id = $3 \
         WHERE id = $4 AND user_id = $5 AND status <> 'credited'",
    )
    .bind(now)
    .bind(admin_id)
    .bind(entry_id)
    .bind(request_id)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// An admin closes an open request without crediting it (no payment
/// came, a duplicate); audited, and the customer is told by mail: they
/// may be waiting for the money.
pub async fn dismiss(svc: &Services, admin_id: i64, request_id: i64) -> Result<(), AppError> {
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let row: Option<(i64, i64)> = sqlx::query_as(
        "UPDATE top_up_requests SET status = 'dismissed', decided_at = $1, decided_by = $2 WHERE id = $3 AND status = 'pending' \
         RETURNING user_id, amount_cents",
    )
    .bind(now)
    .bind(admin_id)
    .bind(request_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((user_id, cents)) = row else {
        return Err(AppError::Invalid("That request is no longer open.".into()));
    };
    let amount = Money::from_cents(cents);
    audit::record(&mut *tx, now, admin_id, "top_up_request.dismiss", Some(user_id), &format!("request {request_id} for {amount}"), "dismissed")
        .await?;
    let (email, verified_at): (String, Option<i64>) =
        sqlx::query_as("SELECT email, email_verified_at FROM users WHERE id = $1").bind(user_id).fetch_one(&mut *tx).await?;
    let mailed = match notice_address(&email, verified_at) {
        Some(to) => {
            let body = format!(
                "Your request to top up your {brand} wallet with {amount} was closed without a top-up: we have not received that payment.\n\n\
                 If you paid, write to us on the Support page with the payment's details, or make a new request on the Wallet page.\n",
                brand = svc.brand,
            );
            let mail = Mail::notice(&to, format!("Your {amount} top-up request was closed"), body, now);
            svc.mailer.enqueue_notice(&mut tx, now, &mail).await?
        }
        None => false,
    };
    tx.commit().await?;
    if mailed {
        svc.mailer.wake();
    }
    Ok(())
}
