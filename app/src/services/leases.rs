//! Number leases: confirm (number + debit), and every later transition
//! (code, cancel, switch, complete, expiry) in one transaction with its
//! ledger entry. Refunds happen here, at most once per lease: the state
//! change is conditional on the state it came from, and the refund's
//! idempotency key is the lease's.
use std::collections::HashMap;

use super::{
    ledger::{self, LedgerError, Posting},
    platforms,
    shortages,
    providers::{PickRules, PickedNumber, Scope, Wanted},
    upstream,
    Services,
};
use crate::{
    domain::{Discount, EntryKind, LeaseEvent, LeaseState, Money, SearchText, UsPhoneNumber},
    error::AppError,
    get_number::{LeaseView, SmsView},
};

/// Why a lease could not be confirmed or changed. Web pages show the
/// message; the reseller API maps each to its protocol word.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeaseError {
    #[error("Verify your email before renting a number.")]
    Unverified,
    #[error("Choose a platform from the list.")]
    UnknownPlatform,
    #[error("The price for {name} is now {price}. Check it and confirm again.")]
    PriceChanged { name: String, price: Money },
    #[error("You already have an active number. Finish, cancel or switch it first.")]
    TooManyOpen,
    #[error("Your balance is too low for {name} ({price}). Nothing was charged; recharge your wallet first.")]
    TooLow { name: String, price: Money },
    /// No source had a number (the upstream's reason, when one was asked).
    #[error("{}", .0.as_ref().map(|e| e.user_message()).unwrap_or_else(|| "No number is available for this platform right now. Nothing was charged; try again in a few minutes.".into()))]
    NoNumbers(Option<upstream::protocol::UpstreamError>),
    /// "Rent again": the number is in another lease, kept for the
    /// platform by someone else's code, disabled or gone.
    #[error("{number} cannot be rented for {name} right now. Nothing was charged; choose any other number instead.")]
    NumberNotFree { number: String, name: String },
    /// The state machine does not allow this event now.
    #[error("{0}")]
    NotAllowed(String),
    #[error("Our supplier lets this number be cancelled only {minutes} minutes after renting: try again in {wait_secs} seconds. Nothing changed, and you are refunded once it is cancelled.")]
    EarlyCancelDenied { minutes: i64, wait_secs: i64 },
    #[error(transparent)]
    Other(#[from] AppError),
}

impl From<sqlx::Error> for LeaseError {
    fn from(e: sqlx::Error) -> Self {
        LeaseError::Other(e.into())
    }
}

impl From<LedgerError> for LeaseError {
    fn from(e: LedgerError) -> Self {
        LeaseError::Other(e.into())
    }
}

impl From<LeaseError> for AppError {
    fn from(e: LeaseError) -> Self {
        match e {
            LeaseError::Other(e) => e,
            other => AppError::Invalid(other.to_string()),
        }
    }
}

/// A confirmation, from the web page or the reseller API.
#[derive(Debug, Clone, Copy)]
pub struct ConfirmRequest<'a> {
    pub user_id: i64,
    pub email_verified: bool,
    pub slug: &'a str,
    /// The price the customer saw; a changed price asks them again.
    pub confirmed_price: Money,
    pub idempotency_key: &'a str,
    /// Set when the lease comes through an API key (for its callback).
    pub api_key_id: Option<i64>,
    /// One of the customer's earlier numbers, to rent again (None: any).
    pub number: Option<&'a UsPhoneNumber>,
}

#[derive(sqlx::FromRow)]
struct LeaseRow {
    id: i64,
    user_id: i64,
    platform: String,
    platform_slug: String,
    e164: String,
    price_cents: i64,
    state: String,
    created_at: i64,
    expires_at: i64,
    source: String,
    refused_at: Option<i64>,
    label: Option<String>,
    /// `NumberSources::rentable_again`, where the query reads it.
    #[sqlx(default)]
    rentable: i64,
}

const LEASE_COLUMNS: &str = "l.id, l.user_id, p.name AS platform, p.slug AS platform_slug, l.e164, l.price_cents, l.state, l.created_at, l.expires_at, n.source, l.refused_at, l.label";

/// One lease as `load` reads it, with how many messages it has: most have
/// none (every cancel's does), and their view then needs no second query.
#[derive(sqlx::FromRow)]
struct LoadedLease {
    #[sqlx(flatten)]
    row: LeaseRow,
    message_count: i64,
}

async fn view(svc: &Services, lease: LoadedLease) -> Result<LeaseView, AppError> {
    let LoadedLease { row, message_count } = lease;
    if message_count == 0 {
        return Ok(to_view(row, Vec::new()));
    }
    let id = row.id;
    let mut messages = messages_of(&svc.db.pool, &[id]).await?;
    Ok(to_view(row, messages.remove(&id).unwrap_or_default()))
}

/// The messages of several leases in one query, by lease.
async fn messages_of<'e, E>(exec: E, lease_ids: &[i64]) -> Result<HashMap<i64, Vec<SmsView>>, AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let mut by_lease: HashMap<i64, Vec<SmsView>> = HashMap::new();
    if lease_ids.is_empty() {
        return Ok(by_lease);
    }
    let placeholders: Vec<String> = (1..=lease_ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT lease_id, sender, body, code, received_at FROM sms_messages WHERE lease_id IN ({}) ORDER BY id",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as::<_, (i64, String, String, Option<String>, i64)>(&sql);
    for id in lease_ids {
        query = query.bind(id);
    }
    for (lease_id, sender, body, code, at) in query.fetch_all(exec).await? {
        by_lease.entry(lease_id).or_default().push(SmsView { sender, body, code, at });
    }
    Ok(by_lease)
}

fn to_view(row: LeaseRow, messages: Vec<SmsView>) -> LeaseView {
    let LeaseRow { id, user_id: _, platform, platform_slug, e164, price_cents, state, created_at, expires_at, source, refused_at, label, rentable } = row;
    LeaseView {
        id,
        platform,
        platform_slug,
        number_display: UsPhoneNumber::display_stored(&e164),
        number: e164,
        price: Money::from_cents(price_cents),
        state: LeaseState::parse(&state).unwrap_or(LeaseState::Completed),
        created_at,
        expires_at,
        code: messages.iter().rev().find_map(|m| m.code.clone()),
        messages,
        rent_again: rentable == 1,
        refused: refused_at.is_some(),
        label,
        demo: source == "demo",
    }
}

async fn load<'e>(db: impl sqlx::Executor<'e, Database = sqlx::Any>, lease_id: i64) -> Result<Option<LoadedLease>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {LEASE_COLUMNS}, (SELECT COUNT(*) FROM sms_messages m WHERE m.lease_id = l.id) AS message_count \
         FROM leases l JOIN platforms p ON p.id = l.platform_id JOIN numbers n ON n.id = l.number_id WHERE l.id = $1"
    ))
    .bind(lease_id)
    .fetch_optional(db)
    .await
}

/// What the Get Number page shows of a customer.
pub struct UserLeases {
    pub open: Option<LeaseView>,
    pub recent: Vec<LeaseView>,
    pub balance: Money,
    /// Off the list prices (`platforms::list_at`).
    pub discount: Discount,
}

/// The customer's open lease, their recent ones, their balance and discount.
pub async fn for_user(svc: &Services, user_id: i64) -> Result<UserLeases, AppError> {
    // One connection for the reads: with SQLite each checkout and
    // return is a round trip to the connection's worker thread.
    let mut conn = svc.db.pool.acquire().await?;
    let leases = latest_of(svc, &mut conn, user_id, LeaseFilter::default(), None, 20).await?;
    // Both in one query: with SQLite every query is a round trip to the
    // connection's worker thread, and this page is the most visited.
    let (balance, discount): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT (SELECT balance_cents FROM wallets WHERE user_id = $1), (SELECT discount_percent FROM users WHERE id = $1)")
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?;
    let (balance, discount) = (Money::from_cents(balance.unwrap_or(0)), discount.map_or(Discount::NONE, Discount::stored));
    let mut open = None;
    let mut recent = Vec::new();
    for lease in leases {
        if open.is_none() && lease.state.is_open() {
            open = Some(lease);
        } else {
            recent.push(lease);
        }
    }
    Ok(UserLeases { open, recent, balance, discount })
}

/// Which of a customer's leases a list shows: all, or those of one
/// platform (by slug), of one number, open ones, or a mix.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeaseFilter<'a> {
    pub platform: Option<&'a str>,
    pub number: Option<&'a UsPhoneNumber>,
    /// A part of the customer's label.
    pub label: Option<&'a SearchText>,
    pub open_only: bool,
}

/// The customer's leases before the lease `before` (from the newest when
/// None) that pass `filter`, newest first, at most `limit`, each with its
/// messages.
pub async fn history(svc: &Services, user_id: i64, filter: LeaseFilter<'_>, before: Option<i64>, limit: i64) -> Result<Vec<LeaseView>, AppError> {
    let mut conn = svc.db.pool.acquire().await?;
    latest_of(svc, &mut conn, user_id, filter, before, limit).await
}

/// One of the customer's leases, with its messages; None when it is not
/// theirs (or does not exist).
pub async fn of_customer(svc: &Services, user_id: i64, lease_id: i64) -> Result<Option<LeaseView>, AppError> {
    match load(&svc.db.pool, lease_id).await? {
        Some(lease) if lease.row.user_id == user_id => Ok(Some(view(svc, lease).await?)),
        _ => Ok(None),
    }
}

/// The platforms the customer has leased numbers for, by name: (slug, name).
pub async fn platforms_used(svc: &Services, user_id: i64) -> Result<Vec<(String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT p.slug, p.name FROM platforms p WHERE p.id IN (SELECT platform_id FROM leases WHERE user_id = $1) ORDER BY p.name",
    )
    .bind(user_id)
    .fetch_all(&svc.db.pool)
    .await?)
}

async fn latest_of(
    svc: &Services,
    conn: &mut sqlx::AnyConnection,
    user_id: i64,
    filter: LeaseFilter<'_>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<LeaseView>, AppError> {
    let LeaseFilter { platform, number, label, open_only } = filter;
    // Placeholders are numbered in the order of the binds below.
    let mut conditions = String::from(if open_only { " AND l.state IN ('active', 'code_received')" } else { "" });
    let mut next = 5;
    // Each test wanted: what comes before its placeholder, and after.
    let tests = [
        platform.map(|_| ("p.slug = ", "")),
        number.map(|_| ("l.e164 = ", "")),
        label.map(|_| ("LOWER(l.label) LIKE ", " ESCAPE '\\'")),
    ];
    for (before, after) in tests.into_iter().flatten() {
        conditions.push_str(&format!(" AND {before}${next}{after}"));
        next += 1;
    }
    let rentable = svc.numbers.rentable_again("$3", "$4");
    let sql = format!(
        "SELECT {LEASE_COLUMNS}, {rentable} AS rentable FROM leases l JOIN platforms p ON p.id = l.platform_id JOIN numbers n ON n.id = l.number_id \
         WHERE l.user_id = $1 AND l.id < $2{conditions} ORDER BY l.id DESC LIMIT ${next}"
    );
    let (silent_before, cutoff) = super::providers::again_params(svc.leases.reuse_after_code_ms, svc.now());
    let mut query = sqlx::query_as::<_, LeaseRow>(&sql).bind(user_id).bind(before.unwrap_or(i64::MAX)).bind(silent_before).bind(cutoff);
    if let Some(slug) = platform {
        query = query.bind(slug);
    }
    if let Some(number) = number {
        query = query.bind(number.as_str());
    }
    if let Some(label) = label {
        query = query.bind(label.contains_pattern());
    }
    query = query.bind(limit);
    let rows = query.fetch_all(&mut *conn).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut messages = messages_of(&mut *conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let id = row.id;
            to_view(row, messages.remove(&id).unwrap_or_default())
        })
        .collect())
}

/// Rents a number: checks, picks a free number and debits the confirmed
/// price, all in one transaction. A repeated key returns the same lease.
pub async fn confirm(svc: &Services, request: ConfirmRequest<'_>) -> Result<LeaseView, LeaseError> {
    let ConfirmRequest { user_id, email_verified, slug, confirmed_price, idempotency_key, api_key_id, number: again } = request;
    if idempotency_key.len() < 8 || idempotency_key.len() > 100 {
        return Err(AppError::Invalid("Reload the page and confirm again.".into()).into());
    }
    let key = format!("lease:{}:{idempotency_key}", user_id);
    // Sources in order: the operator's pool, then upstream suppliers
    // (bought outside the transaction: an HTTP call must not hold the
    // write lock), then the demo range.
    let mut bought: Option<upstream::Bought> = None;
    let mut upstream_error: Option<upstream::protocol::UpstreamError> = None;
    // An earlier number is ours or not to be had: no upstream is asked.
    let mut upstream_tried = svc.upstreams.is_empty() || again.is_some();
    // Only an open choice avoids them: an earlier number is asked for by name.
    let silent = match again {
        Some(_) => Vec::new(),
        None => super::silent_numbers::of_platform(svc, slug).await?,
    };
    let mut attempts = 0;
    loop {
        attempts += 1;
        if attempts > 4 {
            return Err(AppError::Unavailable("Busy; please try again.".into()).into());
        }
        let now = svc.now();
        let mut tx = svc.db.begin_write().await?;
        // One confirmation per customer at a time: on PostgreSQL lock their
        // wallet row (SQLite's write lock already serialises).
        if svc.db.backend == super::db::Backend::Postgres {
            // Creates the row if needed and locks it, in one statement.
            sqlx::query(
                "INSERT INTO wallets (user_id, balance_cents, updated_at) VALUES ($1, 0, $2) \
                 ON CONFLICT (user_id) DO UPDATE SET updated_at = wallets.updated_at",
            )
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let context = ConfirmContext::load(&mut tx, &key, user_id, slug).await?;
        // A retry of a confirmation that went through (or a double click's
        // twin) gets its lease back, whatever changed since (a new price,
        // a spent balance).
        if let Some(id) = context.twin {
            drop(tx);
            return Ok(owned_view(svc, id, user_id).await?);
        }
        if !email_verified {
            return Err(LeaseError::Unverified);
        }
        let platform = context.platform.filter(|p| p.enabled).ok_or(LeaseError::UnknownPlatform)?;
        if platform.price != confirmed_price {
            return Err(LeaseError::PriceChanged { name: platform.name, price: platform.price });
        }
        if context.open >= svc.leases.max_open_per_user {
            return Err(LeaseError::TooManyOpen);
        }
        let rules = PickRules { platform_id: platform.id, reuse_after_code_ms: svc.leases.reuse_after_code_ms, now };
        let picked = match (&bought, again) {
            (Some(b), _) => Some(PickedNumber { number_id: upstream::number_row(&mut tx, b, now).await?, e164: b.e164.clone(), demo: false }),
            (None, Some(number)) => match svc.numbers.pick(&mut tx, rules, Wanted::Again { user_id, number }).await? {
                Some(picked) => Some(picked),
                // Not counted as a customer turned away: any other number will do.
                None => return Err(LeaseError::NumberNotFree { number: number.display(), name: platform.name }),
            },
            // Nothing (more) to buy: the pool and then the demo range, in one query.
            (None, None) if upstream_tried => svc.numbers.pick(&mut tx, rules, Wanted::Any { scope: Scope::All, user_id, silent: &silent }).await?,
            (None, None) => svc.numbers.pick(&mut tx, rules, Wanted::Any { scope: Scope::Own, user_id, silent: &silent }).await?,
        };
        let number = match picked {
            Some(number) => number,
            None if !upstream_tried => {
                drop(tx);
                upstream_tried = true;
                // Buy only for a customer who can pay.
                if ledger::balance(&svc.db, user_id).await? < platform.price {
                    return Err(too_low(&platform));
                }
                match upstream::buy_to_the_end(svc, &platform.slug).await {
                    Ok(b) => bought = b,
                    Err(upstream::BuyError::Upstream(e)) => upstream_error = Some(e),
                    Err(upstream::BuyError::Database(e)) => return Err(e.into()),
                    Err(upstream::BuyError::Stopped(e)) => {
                        tracing::error!(error = %e, "an upstream purchase stopped without an answer");
                        return Err(AppError::Internal.into());
                    }
                }
                continue;
            }
            None => {
                drop(tx); // SQLite: the report below writes
                let reason = match &upstream_error {
                    Some(e) => format!("no free number in the pool, and the supplier answered {e}"),
                    None if svc.upstreams.is_empty() => "no free number in the pool".into(),
                    None => "no free number in the pool, and no supplier had one".into(),
                };
                shortages::turned_away(svc, platform.id, &platform.slug, &platform.name, &reason).await;
                return Err(LeaseError::NoNumbers(upstream_error));
            }
        };
        let PickedNumber { number_id, e164, demo } = number;
        let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(
            "INSERT INTO leases (user_id, platform_id, number_id, e164, price_cents, state, created_at, expires_at, idempotency_key, api_key_id) \
             VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, $9) RETURNING id",
        )
        .bind(user_id)
        .bind(platform.id)
        .bind(number_id)
        .bind(&e164)
        .bind(platform.price.cents())
        .bind(now)
        .bind(now + platform.lease_minutes * 60_000)
        .bind(&key)
        .bind(api_key_id)
        .fetch_one(&mut *tx)
        .await;
        let lease_id = match inserted {
            Ok(id) => id,
            // Another request took this number (or this key) a moment ago:
            // decide again (the twin check finds a same-key winner).
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => continue,
            Err(e) => return Err(LeaseError::from(e)),
        };
        let debit = Posting {
            user_id,
            kind: EntryKind::LeaseDebit,
            amount: Money::from_cents(-platform.price.cents()),
            lease_id: Some(lease_id),
            actor_user_id: None,
            note: &format!("{} {}", platform.name, UsPhoneNumber::display_stored(&e164)),
            idempotency_key: &format!("lease:{lease_id}:debit"),
        };
        match ledger::post_fresh_in(&mut tx, now, &debit).await {
            Ok(_) => {}
            Err(LedgerError::InsufficientFunds) => return Err(too_low(&platform)),
            Err(LedgerError::Race) => continue,
            Err(e) => return Err(e.into()),
        }
        if let Some(b) = &bought {
            upstream::attach(&mut tx, b, lease_id).await?;
        }
        let change = super::events::AccountChanged::lease(user_id, lease_id);
        svc.events.announce_in(&mut tx, change).await?;
        tx.commit().await?;
        svc.events.committed(change);
        // The answer is what was just written: no need to read it back.
        return Ok(LeaseView {
            id: lease_id,
            platform: platform.name,
            platform_slug: platform.slug,
            number_display: UsPhoneNumber::display_stored(&e164),
            number: e164,
            price: platform.price,
            state: LeaseState::Active,
            created_at: now,
            expires_at: now + platform.lease_minutes * 60_000,
            code: None,
            messages: Vec::new(),
            demo,
            rent_again: false,
            refused: false,
            label: None,
        });
    }
}

/// What a confirmation checks before picking, read in one round trip
/// inside its transaction.
struct ConfirmContext {
    /// The lease an earlier request with the same key made.
    twin: Option<i64>,
    /// The customer's open leases.
    open: i64,
    /// At the customer's price (their discount applied).
    platform: Option<platforms::Platform>,
}

impl ConfirmContext {
    async fn load(conn: &mut sqlx::AnyConnection, key: &str, user_id: i64, slug: &str) -> Result<ConfirmContext, sqlx::Error> {
        type Row = (Option<i64>, i64, Option<i64>, Option<i64>, Option<String>, Option<String>, Option<i64>, Option<i64>, Option<i64>);
        let (twin, open, discount, id, slug, name, price, lease_minutes, enabled): Row = sqlx::query_as(
            "SELECT (SELECT id FROM leases WHERE idempotency_key = $1), \
                    (SELECT COUNT(*) FROM leases WHERE user_id = $2 AND state IN ('active', 'code_received')), \
                    (SELECT discount_percent FROM users WHERE id = $2), \
                    p.id, p.slug, p.name, p.price_cents, p.lease_minutes, p.enabled \
             FROM (SELECT 1 AS one) AS o LEFT JOIN platforms p ON p.slug = $3",
        )
        .bind(key)
        .bind(user_id)
        .bind(slug)
        .fetch_one(&mut *conn)
        .await?;
        // The columns are NULL when no platform has that slug.
        let platform = (|| Some(platforms::Platform::from((id?, slug?, name?, price?, lease_minutes?, enabled?))))();
        let discount = discount.map_or(Discount::NONE, Discount::stored);
        let platform = platform.map(|p| platforms::Platform { price: discount.apply(p.price), ..p });
        Ok(ConfirmContext { twin, open, platform })
    }
}

fn too_low(platform: &platforms::Platform) -> LeaseError {
    LeaseError::TooLow { name: platform.name.clone(), price: platform.price }
}

async fn owned_view(svc: &Services, lease_id: i64, user_id: i64) -> Result<LeaseView, AppError> {
    let lease = acted_on(load(&svc.db.pool, lease_id).await?, Some(user_id))?;
    view(svc, lease).await
}

/// Applies one event; `user_id` is the customer acting (None for the
/// system: expiry, an arriving code). Retries when a concurrent change won.
pub async fn apply(svc: &Services, lease_id: i64, user_id: Option<i64>, event: LeaseEvent) -> Result<LeaseView, LeaseError> {
    if may_ask_upstream(svc, event) {
        // The upstream takes the number back before the refund. Run to the
        // end even when the caller goes (a closed tab): else the number is
        // released and the fee comes back only when the lease expires.
        return svc.run_to_the_end(|svc| async move { apply_here(&svc, lease_id, user_id, event).await }).await.unwrap_or_else(|e| {
            tracing::error!(error = %e, lease_id, "a lease's cancel stopped without an answer");
            Err(AppError::Internal.into())
        });
    }
    apply_here(svc, lease_id, user_id, event).await
}

/// A cancel or switch, with upstreams configured: the lease's number may
/// have to be given back to its supplier first.
fn may_ask_upstream(svc: &Services, event: LeaseEvent) -> bool {
    matches!(event, LeaseEvent::Cancel | LeaseEvent::Refused | LeaseEvent::Switch) && !svc.upstreams.is_empty()
}

async fn apply_here(svc: &Services, lease_id: i64, user_id: Option<i64>, event: LeaseEvent) -> Result<LeaseView, LeaseError> {
    if may_ask_upstream(svc, event) {
        // A number bought upstream is refunded only once the upstream took
        // it back; check first that the lease can be cancelled at all.
        let lease = acted_on(load(&svc.db.pool, lease_id).await?, user_id)?;
        let from = LeaseState::parse(&lease.row.state).unwrap_or(LeaseState::Completed);
        if from.transition(event).is_ok_and(|step| step.refund) {
            upstream::release_for_cancel(svc, lease_id).await?;
        }
    }
    for _ in 0..5 {
        let now = svc.now();
        let mut tx = svc.db.begin_write().await?;
        let mut lease = acted_on(load(&mut *tx, lease_id).await?, user_id)?;
        let row = &mut lease.row;
        let (owner, price) = (row.user_id, row.price_cents);
        let state = std::mem::take(&mut row.state);
        let from = LeaseState::parse(&state).unwrap_or(LeaseState::Completed);
        let step = from.transition(event).map_err(|e| LeaseError::NotAllowed(e.to_string()))?;
        let ended = (!step.to.is_open()).then_some(now);
        let code_at = (event == LeaseEvent::CodeArrived).then_some(now);
        let refused_at = (event == LeaseEvent::Refused).then_some(now);
        let changed = sqlx::query(
            "UPDATE leases SET state = $1, ended_at = COALESCE($2, ended_at), code_at = COALESCE(code_at, $3), refused_at = COALESCE(refused_at, $4) \
             WHERE id = $5 AND state = $6",
        )
        .bind(step.to.as_str())
        .bind(ended)
        .bind(code_at)
        .bind(refused_at)
        .bind(lease_id)
        .bind(from.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            continue; // someone else moved it first; decide again
        }
        if step.refund {
            let reason = match event {
                LeaseEvent::Cancel => "cancelled before a code arrived",
                LeaseEvent::Refused => "cancelled before a code arrived, refused by the platform",
                LeaseEvent::Switch => "switched before a code arrived",
                _ => "expired without a code",
            };
            let refund = Posting {
                user_id: owner,
                kind: EntryKind::Refund,
                amount: Money::from_cents(price),
                lease_id: Some(lease_id),
                actor_user_id: None,
                note: &format!("{} {}, {reason}", row.platform, UsPhoneNumber::display_stored(&row.e164)),
                idempotency_key: &format!("lease:{lease_id}:refund"),
            };
            match ledger::post_fresh_in(&mut tx, now, &refund).await {
                Ok(_) => {}
                Err(LedgerError::Race) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        let change = super::events::AccountChanged::lease(owner, lease_id);
        svc.events.announce_in(&mut tx, change).await?;
        tx.commit().await?;
        svc.events.committed(change);
        row.state = step.to.as_str().to_string();
        row.refused_at = row.refused_at.or(refused_at);
        return Ok(view(svc, lease).await?);
    }
    Err(AppError::Unavailable("Busy; please try again.".into()).into())
}

/// The lease an event is for: missing, or another customer's when a
/// customer acts, it is not found (the two look the same).
fn acted_on(lease: Option<LoadedLease>, user_id: Option<i64>) -> Result<LoadedLease, LeaseError> {
    match lease {
        Some(lease) if user_id.is_none_or(|u| u == lease.row.user_id) => Ok(lease),
        _ => Err(AppError::NotFound.into()),
    }
}

/// An SMS to store, as its gateway reported it.
#[derive(Debug, Clone, Copy)]
pub struct NewSms<'a> {
    /// Our number it was sent to, when we know it.
    pub number_id: Option<i64>,
    /// The recipient as the gateway named it (kept for unmatched messages).
    pub recipient: &'a str,
    pub sender: &'a str,
    pub body: &'a str,
    pub code: Option<&'a str>,
    pub source: &'a str,
    /// Unique per gateway message; redeliveries repeat it.
    pub source_message_id: &'a str,
}

/// Moves an active lease to "code received" once a message with a code
/// is attached to it (inside the caller's transaction).
async fn note_code(tx: &mut sqlx::Transaction<'_, sqlx::Any>, lease_id: i64, state: &str, now: i64) -> Result<(), AppError> {
    if state == "active" {
        sqlx::query("UPDATE leases SET state = 'code_received', code_at = $1 WHERE id = $2 AND state = 'active'")
            .bind(now)
            .bind(lease_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Stores an SMS for the open lease on its number and moves the lease to
/// "code received"; without an open lease (or a number we know) it is
/// kept unmatched for admins. A redelivery (same source message id)
/// stores nothing new. Returns the lease it went to.
pub async fn record_sms(svc: &Services, sms: NewSms<'_>) -> Result<Option<i64>, AppError> {
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let lease: Option<(i64, String, i64)> = sqlx::query_as(
        "SELECT id, state, user_id FROM leases WHERE number_id = $1 AND state IN ('active', 'code_received')",
    )
    .bind(sms.number_id)
    .fetch_optional(&mut *tx)
    .await?;
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO sms_messages (lease_id, number_id, recipient, sender, body, code, source, source_message_id, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (source_message_id) DO NOTHING RETURNING id",
    )
    .bind(lease.as_ref().map(|l| l.0))
    .bind(sms.number_id)
    .bind(sms.recipient)
    .bind(sms.sender)
    .bind(sms.body)
    .bind(sms.code)
    .bind(sms.source)
    .bind(sms.source_message_id)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(sms_id) = inserted else {
        return Ok(None); // a redelivery: nothing new
    };
    if let Some((lease_id, state, _)) = &lease {
        if sms.code.is_some() {
            note_code(&mut tx, *lease_id, state, now).await?;
        }
        super::callbacks::enqueue(&mut tx, *lease_id, sms_id, sms.code, sms.body, now).await?;
    }
    let change = lease.as_ref().map(|&(lease_id, _, user_id)| super::events::AccountChanged::lease(user_id, lease_id));
    if let Some(change) = change {
        svc.events.announce_in(&mut tx, change).await?;
    }
    tx.commit().await?;
    if let Some(change) = change {
        svc.events.committed(change);
    }
    Ok(lease.map(|l| l.0))
}

/// An admin gives an unmatched SMS to an open lease (the gateway was
/// mapped wrongly, or the message came late): the customer sees it, and
/// its code counts as the lease's code.
pub async fn assign_unmatched(svc: &Services, admin_user_id: i64, sms_id: i64, lease_id: i64) -> Result<(), AppError> {
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let code: Option<Option<String>> =
        sqlx::query_scalar("SELECT code FROM sms_messages WHERE id = $1 AND lease_id IS NULL AND dismissed_at IS NULL")
            .bind(sms_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(code) = code else {
        return Err(AppError::Invalid("That message is no longer unmatched.".into()));
    };
    let lease: Option<(String, i64)> =
        sqlx::query_as("SELECT state, user_id FROM leases WHERE id = $1 AND state IN ('active', 'code_received')")
            .bind(lease_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((state, user_id)) = lease else {
        return Err(AppError::Invalid(format!("Lease {lease_id} is not open.")));
    };
    sqlx::query("UPDATE sms_messages SET lease_id = $1 WHERE id = $2").bind(lease_id).bind(sms_id).execute(&mut *tx).await?;
    if code.is_some() {
        note_code(&mut tx, lease_id, &state, now).await?;
    }
    super::audit::record(&mut *tx, now, admin_user_id, "sms.assign", Some(user_id), &format!("sms {sms_id} unmatched"), &format!("lease {lease_id}"))
        .await?;
    let change = super::events::AccountChanged::lease(user_id, lease_id);
    svc.events.announce_in(&mut tx, change).await?;
    tx.commit().await?;
    svc.events.committed(change);
    Ok(())
}

/// Ends every open lease past its deadline (refunding those without a
/// code); returns how many it ended.
pub async fn expire_overdue(svc: &Services) -> Result<usize, AppError> {
    let due: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM leases WHERE state IN ('active', 'code_received') AND expires_at <= $1 ORDER BY expires_at LIMIT 500",
    )
    .bind(svc.now())
    .fetch_all(&svc.db.pool)
    .await?;
    let mut ended = 0;
    for id in due {
        match apply(svc, id, None, LeaseEvent::Expire).await {
            Ok(_) => ended += 1,
            // Cancelled or completed meanwhile: nothing to do.
            Err(LeaseError::NotAllowed(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(ended)
}

/// The demo supply's sample code: sent to open demo leases older than
/// `delay_ms` that have no SMS yet.
pub async fn deliver_demo_codes(svc: &Services, delay_ms: i64) -> Result<usize, AppError> {
    let due: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT l.id, l.number_id, p.name FROM leases l JOIN numbers n ON n.id = l.number_id JOIN platforms p ON p.id = l.platform_id \
         WHERE n.source = 'demo' AND l.state = 'active' AND l.created_at <= $1 \
           AND NOT EXISTS (SELECT 1 FROM sms_messages m WHERE m.lease_id = l.id)",
    )
    .bind(svc.now() - delay_ms)
    .fetch_all(&svc.db.pool)
    .await?;
    let count = due.len();
    for (lease_id, number_id, platform) in due {
        let code = format!("{:06}", (lease_id * 7919 + 104_729) % 1_000_000);
        let body = format!("Your {platform} code is {code}. Do not share it. (demo)");
        let message_id = format!("demo:{lease_id}");
        let sms = NewSms { number_id: Some(number_id), recipient: "", sender: "DEMO", body: &body, code: Some(&code), source: "demo", source_message_id: &message_id };
        record_sms(svc, sms).await?;
    }
    Ok(count)
}
