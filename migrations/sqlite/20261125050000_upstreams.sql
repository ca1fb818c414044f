-- Numbers bought from an SMS-Activate-compatible upstream. A row exists
-- from the purchase on; one whose lease never came to be, or has ended, is
-- completed or cancelled upstream by the poller. `cost_cents` is what the
-- upstream charged, so admins see the margin per lease.
CREATE TABLE upstream_activations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    upstream TEXT NOT NULL,
    activation_id TEXT NOT NULL,
    e164 TEXT NOT NULL,
    cost_cents BIGINT NOT NULL,
    lease_id BIGINT REFERENCES leases(id),
    status TEXT NOT NULL DEFAULT 'open',
    created_at BIGINT NOT NULL,
    next_poll_at BIGINT NOT NULL,
    polls BIGINT NOT NULL DEFAULT 0,
    last_code TEXT,
    closed_at BIGINT,
    UNIQUE (upstream, activation_id)
);
CREATE INDEX upstream_activations_due ON upstream_activations(status, next_poll_at);
CREATE INDEX upstream_activations_lease ON upstream_activations(lease_id);
