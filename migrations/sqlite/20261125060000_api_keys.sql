-- Reseller API keys: shown once, stored as a SHA-256 hash. A key may name
-- a callback URL that hears of every code on its leases (signed with the
-- key's callback secret).
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    callback_url TEXT,
    callback_secret TEXT,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_keys_user ON api_keys(user_id);

-- Leases taken through an API key.
ALTER TABLE leases ADD COLUMN api_key_id BIGINT REFERENCES api_keys(id);

-- Callbacks to deliver, retried with backoff by a background task.
CREATE TABLE api_callbacks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    api_key_id BIGINT NOT NULL REFERENCES api_keys(id),
    lease_id BIGINT NOT NULL REFERENCES leases(id),
    sms_id BIGINT NOT NULL UNIQUE REFERENCES sms_messages(id),
    payload TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    delivered_at BIGINT,
    failed_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX api_callbacks_due ON api_callbacks(next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
