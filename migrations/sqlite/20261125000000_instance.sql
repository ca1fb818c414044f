-- Facts about this installation (schema owner, first start). Times are UTC
-- milliseconds since the epoch throughout the schema.
CREATE TABLE instance_facts (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO instance_facts (name, value, updated_at)
VALUES ('installed_at', CAST(CAST(strftime('%s', 'now') AS INTEGER) * 1000 AS TEXT), CAST(strftime('%s', 'now') AS INTEGER) * 1000);
