-- Accounts, sessions, one-time email codes and the security log.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'customer',
    email_verified_at BIGINT,
    adult_confirmed_at BIGINT NOT NULL,
    terms_version TEXT NOT NULL,
    terms_accepted_at BIGINT NOT NULL,
    failed_signins BIGINT NOT NULL DEFAULT 0,
    last_failed_signin_at BIGINT,
    locked_at BIGINT,
    disabled_at BIGINT,
    deleted_at BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    refresh_hash TEXT NOT NULL UNIQUE,
    prev_refresh_hash TEXT,
    rotated_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ended_at BIGINT,
    end_reason TEXT,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id, ended_at);
CREATE INDEX sessions_prev_refresh ON sessions(prev_refresh_hash);

CREATE TABLE email_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    purpose TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    invalidated_at BIGINT
);
CREATE INDEX email_codes_user ON email_codes(user_id, purpose, created_at);

CREATE TABLE security_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT REFERENCES users(id),
    kind TEXT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX security_events_user ON security_events(user_id, created_at);

-- Mail when no SMTP server is configured (development): logged and
-- readable on the development outbox page.
CREATE TABLE dev_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
