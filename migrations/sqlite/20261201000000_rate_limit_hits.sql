-- Attempts per rate-limited action, subject and fixed window, shared by
-- every server instance on this database (each instance also limits in
-- memory first, so a flood does not reach here). The subject is a hash of
-- the client IP or the account name typed, not the text itself.
CREATE TABLE rate_limit_hits (
    action BIGINT NOT NULL,
    subject TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (action, subject, window_start)
);
CREATE INDEX rate_limit_hits_window ON rate_limit_hits(window_start);
