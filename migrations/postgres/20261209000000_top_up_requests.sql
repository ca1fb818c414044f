-- A customer's "please top up $10": listed for the admins until they
-- credit it (through the ledger, which links the entry), dismiss it, or
-- the customer withdraws or replaces it. Not money: the wallet changes
-- only by the ledger entry.
CREATE TABLE top_up_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    amount_cents BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by BIGINT REFERENCES users(id),
    ledger_entry_id BIGINT REFERENCES ledger_entries(id)
);
-- One open request per customer: a new one replaces it.
CREATE UNIQUE INDEX top_up_requests_one_pending ON top_up_requests(user_id) WHERE status = 'pending';
CREATE INDEX top_up_requests_status ON top_up_requests(status, created_at);
CREATE INDEX top_up_requests_user ON top_up_requests(user_id, id);
