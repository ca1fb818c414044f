-- Purchases from an upstream in flight: a row is written before the
-- supplier is asked for a number and removed with the purchase's record
-- (or its refusal). One left behind means the server stopped while the
-- supplier answered, which may have sold a number nobody will end: it is
-- flagged (interrupted_at) and shown to the operator.
CREATE TABLE upstream_purchase_attempts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    upstream TEXT NOT NULL,
    service TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    interrupted_at BIGINT
);
CREATE INDEX upstream_purchase_attempts_started ON upstream_purchase_attempts(started_at);
