//! Customers name their leases ("work Telegram"), ended ones too: a label
//! is the customer's note, not part of the lease's business.
use crate::domain::LeaseLabel;
use crate::error::AppError;

use super::Services;

/// Sets (or, with None, removes) the label of one of the customer's
/// leases. Another's lease is "not found", as one that does not exist.
pub async fn set(svc: &Services, user_id: i64, lease_id: i64, label: Option<&LeaseLabel>) -> Result<(), AppError> {
    let done = sqlx::query("UPDATE leases SET label = $1 WHERE id = $2 AND user_id = $3")
        .bind(label.map(LeaseLabel::as_str))
        .bind(lease_id)
        .bind(user_id)
        .execute(&svc.db.pool)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
