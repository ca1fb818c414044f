-- A line staff show above every page (a supplier outage, maintenance).
-- One is current at most: the newest neither cleared nor past its end.
-- Rows stay, so what customers were told can be read later.
CREATE TABLE announcements (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body TEXT NOT NULL,
    level TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    ends_at BIGINT,
    cleared_at BIGINT
);
