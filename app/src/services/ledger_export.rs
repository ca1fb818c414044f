//! The ledger for bookkeeping: every entry of a range of UTC days, oldest
//! first, with the account it belongs to, or one account's statement
//! (`/admin/ledger.csv`; recorded in the admin audit log), and a
//! customer's own statement (`/wallet/statement.csv`). Reading only.
use super::clock::DAY_MS;
use super::{
    audit,
    rate_limit::{self, Action},
    request::RequestMeta,
    Services,
};
use crate::{domain::PublicUserId, error::AppError};

/// At most this many days per export: a year, for the yearly books.
pub const MAX_DAYS: i64 = 366;

/// One ledger entry as the file shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedEntry {
    pub id: i64,
    pub at_ms: i64,
    pub public_id: String,
    pub username: String,
    pub kind: String,
    pub amount_cents: i64,
    pub balance_after_cents: i64,
    pub lease_id: Option<i64>,
    /// The admin who made a top-up or correction.
    pub by: Option<String>,
    pub note: String,
}

/// Days `first..=last`, as days since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    first: i64,
    last: i64,
}

impl DayRange {
    /// Checked: in order and at most `MAX_DAYS` long.
    pub fn new(first: i64, last: i64) -> Result<DayRange, AppError> {
        if last < first {
            return Err(AppError::Invalid("The end date is before the start date.".into()));
        }
        if last - first + 1 > MAX_DAYS {
            return Err(AppError::Invalid(format!("Export at most {MAX_DAYS} days at a time.")));
        }
        Ok(DayRange { first, last })
    }

    pub fn first(self) -> i64 {
        self.first
    }

    pub fn last(self) -> i64 {
        self.last
    }

    fn millis(self) -> (i64, i64) {
        (self.first * DAY_MS, (self.last + 1) * DAY_MS)
    }
}

type Row = (i64, i64, String, String, String, i64, i64, Option<i64>, Option<String>, String);

/// The entries of `days` (of one wallet, when `of` names its owner's user
/// id), oldest first.
async fn entries(svc: &Services, days: DayRange, of: Option<i64>) -> Result<Vec<ExportedEntry>, AppError> {
    let (from, until) = days.millis();
    const SELECT: &str = "SELECT e.id, e.created_at, u.public_id, u.username, e.kind, e.amount_cents, e.balance_after_cents, e.lease_id, a.username, e.note \
         FROM ledger_entries e JOIN users u ON u.id = e.user_id LEFT JOIN users a ON a.id = e.actor_user_id \
         WHERE e.created_at >= $1 AND e.created_at < $2";
    let rows: Vec<Row> = match of {
        Some(user_id) => {
            sqlx::query_as(&format!("{SELECT} AND e.user_id = $3 ORDER BY e.created_at, e.id"))
                .bind(from)
                .bind(until)
                .bind(user_id)
                .fetch_all(&svc.db.pool)
                .await?
        }
        None => sqlx::query_as(&format!("{SELECT} ORDER BY e.created_at, e.id")).bind(from).bind(until).fetch_all(&svc.db.pool).await?,
    };
    Ok(rows
        .into_iter()
        .map(|(id, at_ms, public_id, username, kind, amount_cents, balance_after_cents, lease_id, by, note)| ExportedEntry {
            id,
            at_ms,
            public_id,
            username,
            kind,
            amount_cents,
            balance_after_cents,
            lease_id,
            by,
            note,
        })
        .collect())
}

/// For the books: the entries of `days` (of one account's wallet, when
/// `of` names it), oldest first; audited as `admin_user_id`'s export.
pub async fn export(svc: &Services, admin_user_id: i64, days: DayRange, of: Option<&PublicUserId>) -> Result<Vec<ExportedEntry>, AppError> {
    let owner = match of {
        Some(id) => Some(
            sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE public_id = $1")
                .bind(id.as_str())
                .fetch_optional(&svc.db.pool)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let entries = entries(svc, days, owner).await?;
    let whose = of.map_or("every wallet".to_string(), |id| id.as_str().to_string());
    let what = format!("ledger of {whose}, days {}..={} (Unix days), {} entries", days.first, days.last, entries.len());
    audit::record(&svc.db.pool, svc.now(), admin_user_id, "ledger.exported", None, "", &what).await?;
    Ok(entries)
}

/// A customer's own statement: their wallet's entries of `days`, oldest
/// first. Rate-limited like the data export, which reads as much.
pub async fn statement(svc: &Services, user_id: i64, days: DayRange, meta: &RequestMeta) -> Result<Vec<ExportedEntry>, AppError> {
    rate_limit::check(svc, Action::Export, &meta.ip, Some(&user_id.to_string())).await?;
    entries(svc, days, Some(user_id)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_in_order_and_bounded() {
        assert!(DayRange::new(10, 10).is_ok());
        assert!(DayRange::new(0, MAX_DAYS - 1).is_ok());
        assert!(DayRange::new(0, MAX_DAYS).is_err());
        assert!(DayRange::new(11, 10).is_err());
        assert_eq!(DayRange::new(1, 2).unwrap().millis(), (DAY_MS, 3 * DAY_MS));
    }
}
