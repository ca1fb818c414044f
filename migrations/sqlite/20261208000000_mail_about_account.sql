-- The account whose words a queued mail carries when it goes to someone
-- else (a customer's support message mailed to the admins): deleting the
-- account drops such mail with the account's own.
ALTER TABLE mail_outbox ADD COLUMN about_user_id BIGINT;
