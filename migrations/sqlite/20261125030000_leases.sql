-- Platforms and prices, the operator's numbers, leases and their SMS.
CREATE TABLE platforms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    price_cents BIGINT NOT NULL CHECK (price_cents > 0),
    lease_minutes BIGINT NOT NULL CHECK (lease_minutes > 0),
    color TEXT NOT NULL DEFAULT '',
    sort_order BIGINT NOT NULL DEFAULT 0,
    enabled BIGINT NOT NULL DEFAULT 1
);
INSERT INTO platforms (slug, name, price_cents, lease_minutes, color, sort_order) VALUES
    ('whatsapp', 'WhatsApp', 150, 20, '#25D366', 0),
    ('telegram', 'Telegram', 120, 20, '#229ED9', 1),
    ('google', 'Google', 100, 20, '#4285F4', 2),
    ('facebook', 'Facebook', 100, 20, '#1877F2', 3),
    ('instagram', 'Instagram', 100, 20, '#E4405F', 4),
    ('tiktok', 'TikTok', 90, 20, '#010101', 5),
    ('x', 'X', 90, 20, '#000000', 6),
    ('discord', 'Discord', 80, 20, '#5865F2', 7),
    ('microsoft', 'Microsoft', 80, 20, '#00A4EF', 8),
    ('amazon', 'Amazon', 100, 20, '#FF9900', 9),
    ('uber', 'Uber', 90, 20, '#000000', 10),
    ('signal', 'Signal', 120, 20, '#3A76F0', 11),
    ('snapchat', 'Snapchat', 80, 20, '#FFFC00', 12),
    ('paypal', 'PayPal', 150, 20, '#003087', 13),
    ('apple', 'Apple', 120, 20, '#555555', 14),
    ('other', 'Other', 70, 20, '#6B7280', 15);

-- Numbers we can hand out: the operator's pool ('pool') or the fictional
-- demo range ('demo').
CREATE TABLE numbers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    e164 TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

CREATE TABLE leases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    platform_id BIGINT NOT NULL REFERENCES platforms(id),
    number_id BIGINT NOT NULL REFERENCES numbers(id),
    e164 TEXT NOT NULL,
    price_cents BIGINT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    code_at BIGINT,
    ended_at BIGINT,
    idempotency_key TEXT NOT NULL UNIQUE
);
CREATE INDEX leases_user ON leases(user_id, id);
CREATE INDEX leases_open_deadline ON leases(state, expires_at);
-- A number is never leased to two customers at once.
CREATE UNIQUE INDEX leases_one_open_per_number ON leases(number_id) WHERE state IN ('active', 'code_received');

CREATE TABLE sms_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lease_id BIGINT REFERENCES leases(id),
    number_id BIGINT REFERENCES numbers(id),
    sender TEXT NOT NULL,
    body TEXT NOT NULL,
    code TEXT,
    source TEXT NOT NULL,
    source_message_id TEXT NOT NULL UNIQUE,
    received_at BIGINT NOT NULL
);
CREATE INDEX sms_messages_lease ON sms_messages(lease_id, id);
