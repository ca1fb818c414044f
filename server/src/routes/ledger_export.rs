//! `GET /admin/ledger.csv?from=YYYY-MM-DD&to=YYYY-MM-DD[&user=UN-…]`: the
//! ledger entries of those UTC days (both included; by default the last
//! 30, or the last 366 for one account's statement) as a CSV file for the
//! books. Admins only, checked here.
//! `GET /wallet/statement.csv?from=…&to=…`: the signed-in customer's own
//! entries (by default the last 366 days), as the Wallet page words them.
use app::{
    domain::{EntryKind, Money, PublicUserId},
    error::AppError,
    services::{
        ledger_export::{self, DayRange, ExportedEntry},
        request::{Authenticated, RequestMeta},
    },
};
use axum::{
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Response},
    Extension,
};
use serde::Deserialize;

use crate::startup::AppState;

#[derive(Debug, Deserialize)]
pub struct Days {
    from: Option<String>,
    to: Option<String>,
    /// One account's public user ID.
    user: Option<String>,
}

pub async fn admin_ledger_csv(
    State(state): State<AppState>,
    user: Option<Extension<Authenticated>>,
    Query(days): Query<Days>,
) -> Response {
    download(export(&state, user.map(|Extension(u)| u), days).await)
}

pub async fn my_statement_csv(
    State(state): State<AppState>,
    user: Option<Extension<Authenticated>>,
    meta: Option<Extension<RequestMeta>>,
    Query(days): Query<Days>,
) -> Response {
    let meta = meta.map(|Extension(meta)| meta).unwrap_or_default();
    download(statement(&state, user.map(|Extension(u)| u), days, &meta).await)
}

fn download(file: Result<(String, Vec<u8>), AppError>) -> Response {
    match file {
        Ok((name, body)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            body,
        )
            .into_response(),
        Err(e) => super::error_response(e),
    }
}

/// The days asked for: `to` defaults to today, `from` to `default_days`
/// before it; an empty date field of the form means its default.
fn day_range(state: &AppState, days: &Days, default_days: i64) -> Result<DayRange, AppError> {
    let today = state.services.now().div_euclid(app::services::clock::DAY_MS);
    let given = |d: &Option<String>| d.as_deref().map(str::trim).filter(|d| !d.is_empty()).map(day_number).transpose();
    let last = given(&days.to)?.unwrap_or(today);
    let first = given(&days.from)?.unwrap_or(last - (default_days - 1));
    DayRange::new(first, last)
}

fn file_name(whose: &str, range: DayRange) -> String {
    format!("usnumhub-{whose}{}-to-{}.csv", day_text(range.first()), day_text(range.last()))
}

async fn statement(state: &AppState, user: Option<Authenticated>, days: Days, meta: &RequestMeta) -> Result<(String, Vec<u8>), AppError> {
    let user = user.ok_or(AppError::Unauthenticated)?;
    let range = day_range(state, &days, ledger_export::MAX_DAYS)?;
    let entries = ledger_export::statement(&state.services, user.user_id, range, meta).await?;
    let name = file_name(&format!("statement-{}-", user.viewer.public_id), range);
    Ok((name, statement_csv(&entries).map_err(|_| AppError::Internal)?))
}

/// The file's name and contents.
async fn export(state: &AppState, user: Option<Authenticated>, days: Days) -> Result<(String, Vec<u8>), AppError> {
    let user = user.ok_or(AppError::Unauthenticated)?.admin(&state.services.auth)?;
    let of = days.user.as_deref().map(str::trim).filter(|u| !u.is_empty()).map(PublicUserId::parse).transpose().map_err(AppError::Invalid)?;
    let range = day_range(state, &days, if of.is_some() { ledger_export::MAX_DAYS } else { 30 })?;
    let entries = ledger_export::export(&state.services, user.user_id, range, of.as_ref()).await?;
    let whose = of.as_ref().map_or(String::new(), |id| format!("{}-", id.as_str()));
    Ok((file_name(&format!("ledger-{whose}"), range), to_csv(&entries).map_err(|_| AppError::Internal)?))
}

/// Days since the Unix epoch of a `YYYY-MM-DD` date.
fn day_number(text: &str) -> Result<i64, AppError> {
    let bad = || AppError::Invalid(format!("{text:?} is not a date like 2026-11-30."));
    let mut parts = text.trim().splitn(3, '-');
    let mut next = || parts.next().and_then(|p| p.parse::<i32>().ok()).ok_or_else(bad);
    let (year, month, day) = (next()?, next()?, next()?);
    let month = u8::try_from(month).ok().and_then(|m| time::Month::try_from(m).ok()).ok_or_else(bad)?;
    let date = time::Date::from_calendar_date(year, month, u8::try_from(day).map_err(|_| bad())?).map_err(|_| bad())?;
    Ok((date - time::OffsetDateTime::UNIX_EPOCH.date()).whole_days())
}

fn day_text(day: i64) -> String {
    app::components::local_time::iso_utc(day * app::services::clock::DAY_MS)[..10].to_string()
}

fn dollars(cents: i64) -> String {
    Money::from_cents(cents).decimal()
}

/// Text a spreadsheet would run as a formula is kept as text.
fn as_text(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

fn to_csv(entries: &[ExportedEntry]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["entry", "time_utc", "user_id", "username", "kind", "amount_usd", "balance_after_usd", "lease", "by", "note"])?;
    for e in entries {
        out.write_record([
            e.id.to_string(),
            app::components::local_time::iso_utc(e.at_ms),
            e.public_id.clone(),
            as_text(&e.username),
            e.kind.clone(),
            dollars(e.amount_cents),
            dollars(e.balance_after_cents),
            e.lease_id.map(|l| l.to_string()).unwrap_or_default(),
            e.by.as_deref().map(as_text).unwrap_or_default(),
            as_text(&e.note),
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// The customer's columns: no account columns (it is theirs) and no
/// admin names; "what" as the Wallet page shows it.
fn statement_csv(entries: &[ExportedEntry]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["entry", "time_utc", "what", "amount_usd", "balance_after_usd", "lease"])?;
    for e in entries {
        let label = EntryKind::parse(&e.kind).map_or(e.kind.as_str(), |k| k.label());
        let what = if e.note.is_empty() { label.to_string() } else { format!("{label} — {}", e.note) };
        out.write_record([
            e.id.to_string(),
            app::components::local_time::iso_utc(e.at_ms),
            as_text(&what),
            dollars(e.amount_cents),
            dollars(e.balance_after_cents),
            e.lease_id.map(|l| l.to_string()).unwrap_or_default(),
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_amounts_and_text_cells() {
        assert_eq!(day_number("1970-01-02").unwrap(), 1);
        assert_eq!(day_text(day_number("2026-11-30").unwrap()), "2026-11-30");
        for bad in ["2026-13-01", "2026-02-30", "yesterday", "2026-11", ""] {
            assert!(day_number(bad).is_err(), "{bad}");
        }
        assert_eq!(dollars(-95), "-0.95");
        assert_eq!(dollars(1000), "10.00");
        assert_eq!(as_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(as_text("WhatsApp transfer"), "WhatsApp transfer");
    }
}
