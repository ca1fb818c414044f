//! The ledger: the only code that changes a wallet balance. Every change
//! is one immutable entry written in the same transaction as the balance,
//! the balance never goes below zero, and a retry with the same
//! idempotency key returns the first entry instead of moving money twice.
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use super::{db::{Backend, Db}, Services};
use crate::{
    domain::{EntryKind, Money},
    error::AppError,
};

/// One movement of money to post.
#[derive(Debug, Clone)]
pub struct Posting<'a> {
    pub user_id: i64,
    pub kind: EntryKind,
    /// Signed: positive adds to the balance.
    pub amount: Money,
    pub lease_id: Option<i64>,
    /// Who caused it: the admin for top-ups and adjustments.
    pub actor_user_id: Option<i64>,
    pub note: &'a str,
    pub idempotency_key: &'a str,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: i64,
    pub user_id: i64,
    pub kind: EntryKind,
    pub amount: Money,
    pub balance_after: Money,
    pub lease_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub note: String,
    pub created_at: i64,
}

/// A posting's result: a new entry, or the one an earlier request with
/// the same idempotency key made.
#[derive(Debug, Clone, PartialEq)]
pub enum Posted {
    New(Entry),
    Repeat(Entry),
}

impl Posted {
    pub fn entry(self) -> Entry {
        match self {
            Posted::New(e) | Posted::Repeat(e) => e,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("the balance is too low")]
    InsufficientFunds,
    #[error("this idempotency key was used for a different movement")]
    KeyReused,
    #[error("the amount's sign does not fit the entry kind")]
    WrongSign,
    /// Another request posted the same key at the same moment; retry.
    #[error("concurrent posting with the same key")]
    Race,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

impl From<LedgerError> for AppError {
    fn from(error: LedgerError) -> Self {
        match error {
            LedgerError::InsufficientFunds => AppError::Invalid("The balance is too low for this.".into()),
            LedgerError::KeyReused => AppError::Invalid("This request was already used for a different amount; reload and try again.".into()),
            LedgerError::WrongSign => AppError::Invalid("This amount does not fit this kind of entry.".into()),
            LedgerError::Race => AppError::Unavailable("Busy; please try again.".into()),
            LedgerError::Db(e) => e.into(),
        }
    }
}

const ENTRY_COLUMNS: &str =
    "id, user_id, kind, amount_cents, balance_after_cents, lease_id, actor_user_id, note, created_at";

type EntryRow = (i64, i64, String, i64, i64, Option<i64>, Option<i64>, String, i64);

fn entry_from(row: EntryRow) -> Entry {
    let (id, user_id, kind, amount, balance_after, lease_id, actor_user_id, note, created_at) = row;
    Entry {
        id,
        user_id,
        // Only this module writes entries, and only known kinds.
        kind: EntryKind::parse(&kind).unwrap_or(EntryKind::AdminAdjustment),
        amount: Money::from_cents(amount),
        balance_after: Money::from_cents(balance_after),
        lease_id,
        actor_user_id,
        note,
        created_at,
    }
}

const ENTRY_COLUMNS_WRITTEN: &str =
    "user_id, kind, amount_cents, balance_after_cents, lease_id, actor_user_id, note, idempotency_key, created_at";

/// The balance change and its entry: the new entry's id and the balance
/// after it, or None when the wallet is missing or would go below zero
/// (then nothing was written). The condition and the update are one
/// statement: no lost update, no double spend, whatever runs beside it.
async fn write(conn: &mut AnyConnection, now: i64, p: &Posting<'_>) -> Result<Option<(i64, i64)>, sqlx::Error> {
    if Backend::of(conn) == Backend::Postgres {
        // One round trip instead of two: a lease cycle is mostly round
        // trips on PostgreSQL. (SQLite cannot put an UPDATE in a WITH.)
        return sqlx::query_as(&format!(
            "WITH w AS (UPDATE wallets SET balance_cents = balance_cents + $3, updated_at = $8 \
                        WHERE user_id = $1 AND balance_cents + $3 >= 0 RETURNING balance_cents) \
             INSERT INTO ledger_entries ({ENTRY_COLUMNS_WRITTEN}) \
             SELECT $1, $2, $3, w.balance_cents, $4, $5, $6, $7, $8 FROM w RETURNING id, balance_after_cents"
        ))
        .bind(p.user_id)
        .bind(p.kind.as_str())
        .bind(p.amount.cents())
        .bind(p.lease_id)
        .bind(p.actor_user_id)
        .bind(p.note)
        .bind(p.idempotency_key)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await;
    }
    let balance: Option<i64> = sqlx::query_scalar(
        "UPDATE wallets SET balance_cents = balance_cents + $1, updated_at = $2 \
         WHERE user_id = $3 AND balance_cents + $1 >= 0 RETURNING balance_cents",
    )
    .bind(p.amount.cents())
    .bind(now)
    .bind(p.user_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(balance) = balance else { return Ok(None) };
    let id = sqlx::query_scalar(&format!(
        "INSERT INTO ledger_entries ({ENTRY_COLUMNS_WRITTEN}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
    ))
    .bind(p.user_id)
    .bind(p.kind.as_str())
    .bind(p.amount.cents())
    .bind(balance)
    .bind(p.lease_id)
    .bind(p.actor_user_id)
    .bind(p.note)
    .bind(p.idempotency_key)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some((id, balance)))
}

/// Posts inside the caller's write transaction (leases post their debit
/// or refund together with their own state change). On `Race` the caller
/// must roll back and retry the whole transaction.
pub async fn post_in(conn: &mut AnyConnection, now: i64, p: &Posting<'_>) -> Result<Posted, LedgerError> {
    if !p.kind.allows(p.amount.cents()) {
        return Err(LedgerError::WrongSign);
    }
    let existing: Option<EntryRow> = sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE idempotency_key = $1"
    ))
    .bind(p.idempotency_key)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = existing {
        let entry = entry_from(row);
        let same = entry.user_id == p.user_id && entry.kind == p.kind && entry.amount == p.amount && entry.lease_id == p.lease_id;
        return if same { Ok(Posted::Repeat(entry)) } else { Err(LedgerError::KeyReused) };
    }
    insert(conn, now, p).await
}

/// Posts an entry whose key cannot have been used yet (a lease's debit or
/// refund, guarded by the lease's own state change), skipping the lookup
/// `post_in` makes; a used key still fails, as `Race`.
pub async fn post_fresh_in(conn: &mut AnyConnection, now: i64, p: &Posting<'_>) -> Result<Posted, LedgerError> {
    if !p.kind.allows(p.amount.cents()) {
        return Err(LedgerError::WrongSign);
    }
    insert(conn, now, p).await
}

/// The balance change and the entry, for a posting already checked.
async fn insert(conn: &mut AnyConnection, now: i64, p: &Posting<'_>) -> Result<Posted, LedgerError> {
    let mut written = write(conn, now, p).await;
    if matches!(written, Ok(None)) {
        // Perhaps no wallet yet (a first top-up): make sure it exists (a
        // concurrent first posting may be creating it), then apply again.
        sqlx::query("INSERT INTO wallets (user_id, balance_cents, updated_at) VALUES ($1, 0, $2) ON CONFLICT (user_id) DO NOTHING")
            .bind(p.user_id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        written = write(conn, now, p).await;
    }
    let (id, balance) = match written {
        Ok(Some(written)) => written,
        Ok(None) => return Err(LedgerError::InsufficientFunds),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(LedgerError::Race),
        Err(e) => return Err(e.into()),
    };
    Ok(Posted::New(Entry {
        id,
        user_id: p.user_id,
        kind: p.kind,
        amount: p.amount,
        balance_after: Money::from_cents(balance),
        lease_id: p.lease_id,
        actor_user_id: p.actor_user_id,
        note: p.note.to_string(),
        created_at: now,
    }))
}

/// Posts in a transaction of its own, retrying once after a same-key race.
pub async fn post(svc: &Services, p: &Posting<'_>) -> Result<Posted, LedgerError> {
    for _ in 0..2 {
        let mut tx = svc.db.begin_write().await?;
        match post_in(&mut tx, svc.now(), p).await {
            Ok(posted) => {
                tx.commit().await?;
                return Ok(posted);
            }
            Err(LedgerError::Race) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(LedgerError::Race)
}

pub async fn balance(db: &Db, user_id: i64) -> Result<Money, sqlx::Error> {
    balance_on(&db.pool, user_id).await
}

/// The balance, read on a connection the caller holds.
pub async fn balance_on<'e, E>(exec: E, user_id: i64) -> Result<Money, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let cents: Option<i64> = sqlx::query_scalar("SELECT balance_cents FROM wallets WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(exec)
        .await?;
    Ok(Money::from_cents(cents.unwrap_or(0)))
}

/// A page of a user's entries, newest first, older than `before_id`.
pub async fn history(db: &Db, user_id: i64, kind: Option<EntryKind>, before_id: Option<i64>, limit: i64) -> Result<Vec<Entry>, sqlx::Error> {
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS} FROM ledger_entries \
         WHERE user_id = $1 AND ($2 = '' OR kind = $2) AND id < $3 ORDER BY id DESC LIMIT $4"
    ))
    .bind(user_id)
    .bind(kind.map(EntryKind::as_str).unwrap_or(""))
    .bind(before_id.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(entry_from).collect())
}

/// What `server ledger verify` found.
#[derive(Debug, Default)]
pub struct VerifyReport {
    pub wallets: u64,
    pub entries: u64,
    pub problems: Vec<String>,
}

/// Checks every wallet: the balance equals the sum of its entries, and
/// each entry's balance-after follows from the one before.
pub async fn verify(db: &Db) -> Result<VerifyReport, sqlx::Error> {
    let mut report = VerifyReport::default();
    let wallets: Vec<(i64, i64)> = sqlx::query_as("SELECT user_id, balance_cents FROM wallets ORDER BY user_id")
        .fetch_all(&db.pool)
        .await?;
    for (user_id, balance) in wallets {
        report.wallets += 1;
        let entries: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT id, amount_cents, balance_after_cents FROM ledger_entries WHERE user_id = $1 ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
        let mut running = 0i64;
        for (id, amount, after) in &entries {
            report.entries += 1;
            running += amount;
            if running != *after {
                report.problems.push(format!("user {user_id}: entry {id} says balance {after}, the chain gives {running}"));
            }
            if *after < 0 {
                report.problems.push(format!("user {user_id}: entry {id} leaves a negative balance {after}"));
            }
        }
        if running != balance {
            report.problems.push(format!("user {user_id}: wallet holds {balance}, its entries sum to {running}"));
        }
    }
    let orphans: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger_entries e WHERE NOT EXISTS (SELECT 1 FROM wallets w WHERE w.user_id = e.user_id)",
    )
    .fetch_one(&db.pool)
    .await?;
    if orphans > 0 {
        report.problems.push(format!("{orphans} entries belong to no wallet"));
    }
    Ok(report)
}
