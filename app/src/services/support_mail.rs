//! Who hears of a support message by mail: the customer when support
//! answers, the admins when a customer writes. Once per round: when the
//! thread already holds a message its reader has not seen, nobody is
//! mailed again, so a conversation in the app is not echoed into the
//! mailbox message by message.
use super::{
    mailer::{admin_addresses, link_to, notice_address, Mail},
    Services,
};
use crate::error::AppError;

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Whether the thread holds a message `staff` (or, when false, the
/// customer) has not seen. Asked before the new message is written, in
/// its transaction.
pub async fn reader_has_unread(tx: &mut Tx, ticket_id: i64, staff: bool) -> Result<bool, AppError> {
    let unread: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM support_messages m JOIN support_tickets t ON t.id = m.ticket_id WHERE t.id = $1 AND {}",
        super::support::unread_by(staff)
    ))
    .bind(ticket_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(unread > 0)
}

/// A staff reply, to the ticket's owner (once the address is verified).
/// It carries the reply: a customer who cannot sign in (a disabled
/// account, a lost password) still reads it.
pub async fn answered(svc: &Services, tx: &mut Tx, ticket_id: i64, message: &str) -> Result<bool, AppError> {
    let row: Option<(String, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT t.subject, u.username, u.email, u.email_verified_at FROM support_tickets t JOIN users u ON u.id = t.user_id \
         WHERE t.id = $1 AND u.deleted_at IS NULL",
    )
    .bind(ticket_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((subject, username, email, verified_at)) = row else { return Ok(false) };
    let Some(to) = notice_address(&email, verified_at) else { return Ok(false) };
    let subject = one_line(&subject);
    let body = format!(
        "Support answered your ticket \"{subject}\" ({brand} account {username}):\n\n{message}\n\n\
         Read the whole thread and reply on the Support page{link}. Further answers are not mailed until you have read this one.\n",
        brand = svc.brand,
        link = link_to(svc, &format!("/support/{ticket_id}")),
    );
    let now = svc.now();
    svc.mailer.enqueue(tx, now, &Mail::notice(&to, format!("Support answered: {subject}"), body, now)).await?;
    Ok(true)
}

/// A customer's new ticket or reply, to every admin who can sign in, has
/// a verified address and has not turned these mails off (`set_wanted`):
/// a small operator hears of it without watching the inbox.
pub async fn customer_wrote(svc: &Services, tx: &mut Tx, ticket_id: i64, message: &str, new_ticket: bool) -> Result<bool, AppError> {
    let ticket: (i64, String, String, String) = sqlx::query_as(
        "SELECT t.user_id, t.subject, u.username, u.public_id FROM support_tickets t JOIN users u ON u.id = t.user_id WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_one(&mut **tx)
    .await?;
    let (customer, subject, username, public_id) = ticket;
    let admins = admin_addresses(tx, true).await?;
    let subject = one_line(&subject);
    let what = if new_ticket { "opened a support ticket" } else { "replied in a support ticket" };
    let body = format!(
        "{username} ({public_id}) {what}, \"{subject}\":\n\n{message}\n\n\
         Answer in the admin console's support inbox{link}. Further messages in this ticket are not mailed until staff have read it.\n",
        link = link_to(svc, &format!("/admin/support/{ticket_id}")),
    );
    let now = svc.now();
    for to in &admins {
        let mail = Mail::notice(to, format!("Support: {subject} ({public_id})"), body.clone(), now).about(customer);
        svc.mailer.enqueue(tx, now, &mail).await?;
    }
    Ok(!admins.is_empty())
}

/// A subject as a mail's subject line: tickets made before subjects had
/// to be one line may hold a line break.
fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Whether `admin_id` is mailed about customers' messages.
pub async fn wanted(svc: &Services, admin_id: i64) -> Result<bool, AppError> {
    let on: i64 = sqlx::query_scalar("SELECT support_mail FROM users WHERE id = $1").bind(admin_id).fetch_one(&svc.db.pool).await?;
    Ok(on != 0)
}

/// An admin's own choice: their mailbox, so not an audited staff action.
pub async fn set_wanted(svc: &Services, admin_id: i64, on: bool) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET support_mail = $1 WHERE id = $2").bind(i64::from(on)).bind(admin_id).execute(&svc.db.pool).await?;
    Ok(())
}
