-- Alerts the operators were mailed about and that still hold (a
-- supplier's low balance): one row per alert, so it is mailed once per
-- episode however many instances notice; the row goes when it clears.
CREATE TABLE operator_alerts (
    alert TEXT PRIMARY KEY,
    raised_at BIGINT NOT NULL
);
