-- Customers who asked to be mailed when a platform they found with no
-- number to be had has numbers again: one row per customer and platform,
-- deleted when the mail is queued, or after a week without numbers.
CREATE TABLE stock_waits (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    platform_id BIGINT NOT NULL REFERENCES platforms(id),
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, platform_id)
);
CREATE INDEX stock_waits_platform ON stock_waits (platform_id);
