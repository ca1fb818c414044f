-- The wallet ledger: balances change only together with an entry, in one
-- transaction, through the ledger module. Entries are never updated.
CREATE TABLE wallets (
    user_id BIGINT PRIMARY KEY NOT NULL REFERENCES users(id),
    balance_cents BIGINT NOT NULL DEFAULT 0 CHECK (balance_cents >= 0),
    updated_at BIGINT NOT NULL
);

CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents <> 0),
    balance_after_cents BIGINT NOT NULL CHECK (balance_after_cents >= 0),
    lease_id BIGINT,
    actor_user_id BIGINT REFERENCES users(id),
    note TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX ledger_entries_user ON ledger_entries(user_id, id);
CREATE INDEX ledger_entries_lease ON ledger_entries(lease_id);

-- Every admin action: who, what, before and after, when. Read-only.
CREATE TABLE admin_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    admin_user_id BIGINT NOT NULL REFERENCES users(id),
    action TEXT NOT NULL,
    target_user_id BIGINT REFERENCES users(id),
    before_state TEXT NOT NULL DEFAULT '',
    after_state TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX admin_audit_time ON admin_audit(created_at);
