-- "Email me when my balance falls below …" (services/balance_alerts.rs):
-- one threshold per customer. `mailed_at` is set when the mail for a fall
-- below it was queued (or when it was set while already below), and
-- cleared once a top-up brings the balance back to it, so each fall
-- mails once and a refund bouncing around it mails nothing.
CREATE TABLE balance_alerts (
    user_id BIGINT PRIMARY KEY NOT NULL REFERENCES users(id),
    threshold_cents BIGINT NOT NULL CHECK (threshold_cents > 0),
    mailed_at BIGINT,
    created_at BIGINT NOT NULL
);
