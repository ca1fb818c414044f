-- The Android phones that receive the pool's SMS, and when each was last
-- heard from (any signed event: a message, a report, the app's ping), so
-- a phone that went silent is flagged and gets no new leases. Only phones
-- that ping (`sends_pings`) are judged by silence: without pings a quiet
-- phone is not a dead one.
CREATE TABLE gateway_devices (
    device_id TEXT PRIMARY KEY,
    last_event TEXT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    sends_pings BIGINT NOT NULL DEFAULT 0
);
