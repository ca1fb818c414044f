-- Confirmations no source had a number for: customers turned away, shown
-- to the operators on the Supply page and kept a week. No customer is
-- named: what matters is which platform ran dry, when and why.
CREATE TABLE lease_refusals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform_id BIGINT NOT NULL REFERENCES platforms(id),
    at BIGINT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX lease_refusals_at ON lease_refusals (at);
