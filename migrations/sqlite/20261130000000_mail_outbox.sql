-- Mail waiting to go out over SMTP: written in the transaction that made
-- it (a code, say), sent by a background task and retried until it is
-- delivered or no longer useful. A row is deleted once sent: its body
-- holds a live code.
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    -- A newer mail with the same key replaces an unsent older one (a new
    -- code ends the old one: sending the old one late would only confuse).
    replace_key TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    send_before BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at);
CREATE INDEX mail_outbox_replace ON mail_outbox(replace_key);
