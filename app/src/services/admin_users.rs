//! Admin views of users: search, detail, disable and enable, discount,
//! revoke an API key.
use super::{api_keys, audit, leases, ledger, paging::NewestFirst, request::RequestMeta, security_log, sessions, support, Services};
use crate::{
    account::{devices_of, security_events_of},
    admin_users::{UserDetail, UserList, UserRow, USERS_PAGE},
    auth::SecurityEventKind,
    domain::{Discount, Money, PublicUserId, Role, SearchText, UsPhoneNumber},
    error::AppError,
    wallet::EntryView,
};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    public_id: String,
    username: String,
    email: String,
    role: String,
    email_verified_at: Option<i64>,
    disabled_at: Option<i64>,
    totp_enabled_at: Option<i64>,
    balance_cents: Option<i64>,
    discount_percent: i64,
    created_at: i64,
}

const USER_COLUMNS: &str = "u.id, u.public_id, u.username, u.email, u.role, u.email_verified_at, u.disabled_at, u.totp_enabled_at, \
    (SELECT w.balance_cents FROM wallets w WHERE w.user_id = u.id) AS balance_cents, u.discount_percent, u.created_at";

fn user_row(row: Row) -> (i64, UserRow) {
    (
        row.id,
        UserRow {
            public_id: row.public_id,
            username: row.username,
            email: row.email,
            // As sessions read it: an unknown word grants nothing.
            role: Role::parse(&row.role).unwrap_or(Role::Customer),
            email_verified: row.email_verified_at.is_some(),
            two_step: row.totp_enabled_at.is_some(),
            disabled: row.disabled_at.is_some(),
            balance: Money::from_cents(row.balance_cents.unwrap_or(0)),
            discount: Discount::stored(row.discount_percent),
            created_at: row.created_at,
        },
    )
}

const PAGE: NewestFirst = NewestFirst { size: USERS_PAGE };

/// Accounts whose user ID is $1 or whose email or username contains it
/// ($2, its LIKE pattern), every account when $1 is empty; of role $3
/// unless it is empty.
const MATCHING: &str = "u.deleted_at IS NULL AND ($3 = '' OR u.role = $3) AND \
     ($1 = '' OR LOWER(u.public_id) = $1 OR LOWER(u.email) LIKE $2 ESCAPE '\\' OR LOWER(u.username) LIKE $2 ESCAPE '\\')";

pub async fn search(svc: &Services, query: &str, role: Option<Role>, before: Option<i64>) -> Result<UserList, AppError> {
    let query = SearchText::parse(query).map_err(AppError::Invalid)?;
    let pattern = query.contains_pattern();
    let role_word = role.map(Role::as_str).unwrap_or("");
    let rows: Vec<Row> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users u WHERE {MATCHING} AND u.id < $4 ORDER BY u.id DESC LIMIT $5"))
        .bind(query.as_str())
        .bind(&pattern)
        .bind(role_word)
        .bind(before.unwrap_or(i64::MAX))
        .bind(PAGE.limit())
        .fetch_all(&svc.db.pool)
        .await?;
    let (rows, next_before) = PAGE.page(rows, |r| r.id);
    let matching: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM users u WHERE {MATCHING}"))
        .bind(query.as_str())
        .bind(&pattern)
        .bind(role_word)
        .fetch_one(&svc.db.pool)
        .await?;
    // A phone number finds whoever leased it, the latest first: a customer
    // writes about "my number (312) 555-0150", not their user ID.
    let leased: Vec<Row> = match (before, UsPhoneNumber::parse(query.as_str())) {
        (None, Ok(number)) => {
            sqlx::query_as(&format!(
                "SELECT {USER_COLUMNS} FROM users u \
                 JOIN (SELECT user_id, MAX(id) AS last_lease FROM leases WHERE e164 = $1 GROUP BY user_id) l ON l.user_id = u.id \
                 WHERE u.deleted_at IS NULL ORDER BY l.last_lease DESC LIMIT 50"
            ))
            .bind(number.as_str())
            .fetch_all(&svc.db.pool)
            .await?
        }
        _ => Vec::new(),
    };
    let leased: Vec<(i64, UserRow)> = leased.into_iter().map(user_row).filter(|(_, u)| role.is_none_or(|r| u.role == r)).collect();
    let leased_count = leased.len();
    let mut seen = std::collections::HashSet::new();
    let users = leased.into_iter().chain(rows.into_iter().map(user_row)).filter(|(id, _)| seen.insert(*id)).map(|(_, row)| row).collect();
    Ok(UserList { users, leased: leased_count, matching, next_before })
}

pub(super) async fn find(svc: &Services, public_id: &str) -> Result<(i64, UserRow), AppError> {
    let public_id = PublicUserId::parse(public_id).map_err(AppError::Invalid)?;
    let row: Option<Row> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.public_id = $1 AND u.deleted_at IS NULL"))
        .bind(public_id.as_str())
        .fetch_optional(&svc.db.pool)
        .await?;
    row.map(user_row).ok_or_else(|| AppError::Invalid(format!("No account has the user ID {public_id}.")))
}

pub async fn detail(svc: &Services, public_id: &str) -> Result<UserDetail, AppError> {
    let (user_id, user) = find(svc, public_id).await?;
    let ledger: Vec<EntryView> = ledger::history(&svc.db, user_id, None, None, 50).await?.into_iter().map(EntryView::from).collect();
    Ok(UserDetail {
        user,
        ledger,
        leases: leases::history(svc, user_id, leases::LeaseFilter::default(), None, 30).await?,
        tickets: support::tickets_of(svc, user_id, true).await?,
        api_keys: api_keys::list(svc, user_id).await?,
        devices: devices_of(svc, user_id, None).await?,
        security_log: security_events_of(svc, user_id).await?,
    })
}

/// Disables (every session ends at once: the next request is signed out)
/// or enables an account. An admin cannot disable themself.
pub async fn set_disabled(svc: &Services, admin_id: i64, public_id: &str, disabled: bool, meta: &RequestMeta) -> Result<(), AppError> {
    let (user_id, user) = find(svc, public_id).await?;
    if user_id == admin_id {
        return Err(AppError::Invalid("You cannot disable your own account.".into()));
    }
    if user.disabled == disabled {
        return Ok(());
    }
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2").bind(disabled.then_some(now)).bind(user_id).execute(&mut *tx).await?;
    if disabled {
        sessions::end_all(&mut *tx, now, user_id, None, "account_disabled").await?;
        security_log::record(&mut *tx, now, Some(user_id), SecurityEventKind::AccountDisabled, meta, &format!("by admin #{admin_id}")).await?;
    }
    let (before, after) = if disabled { ("enabled", "disabled") } else { ("disabled", "enabled") };
    audit::record(&mut *tx, now, admin_id, if disabled { "user.disable" } else { "user.enable" }, Some(user_id), before, after).await?;
    svc.session_cache.commit_for_user(tx, user_id).await?;
    Ok(())
}

/// Sets the customer's discount off the list prices; their next price
/// list and confirmation use it (a confirmation of the old price is asked
/// again, as after a price change).
pub async fn set_discount(svc: &Services, admin_id: i64, public_id: &str, discount: Discount) -> Result<(), AppError> {
    let (user_id, user) = find(svc, public_id).await?;
    if user.discount == discount {
        return Ok(());
    }
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    sqlx::query("UPDATE users SET discount_percent = $1 WHERE id = $2").bind(discount.percent()).bind(user_id).execute(&mut *tx).await?;
    audit::record(&mut *tx, now, admin_id, "user.discount", Some(user_id), &user.discount.to_string(), &discount.to_string()).await?;
    tx.commit().await?;
    Ok(())
}

/// Revokes one of the user's API keys (see `api_keys::revoke_as_admin`).
pub async fn revoke_api_key(svc: &Services, admin_id: i64, public_id: &str, key_id: i64, meta: &RequestMeta) -> Result<(), AppError> {
    let (user_id, _) = find(svc, public_id).await?;
    api_keys::revoke_as_admin(svc, admin_id, user_id, key_id, meta).await
}
