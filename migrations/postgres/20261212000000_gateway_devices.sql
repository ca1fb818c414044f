-- The Android phones that receive the pool's SMS, and when each was last
-- heard from (any signed event: a message, a report, the app's ping), so
-- admins see a phone that went silent before customers wait on it.
CREATE TABLE gateway_devices (
    device_id TEXT PRIMARY KEY,
    last_event TEXT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
