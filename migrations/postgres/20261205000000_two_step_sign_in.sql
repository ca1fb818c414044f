-- Two-step sign-in: a TOTP secret (sealed under a key derived from
-- USNH_SECRET_KEY: a copy of the database alone cannot make codes), kept
-- from the start of the setup; the step counts only once enabled_at is
-- set. last_step is the newest time step accepted: a code is good once.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at BIGINT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- Single-use codes for a lost authenticator, kept as keyed hashes.
CREATE TABLE recovery_codes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id);
