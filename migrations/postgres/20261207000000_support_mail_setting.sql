-- Whether an admin is mailed when a customer writes to support (on by
-- default; an admin who does not answer tickets turns it off).
ALTER TABLE users ADD COLUMN support_mail BIGINT NOT NULL DEFAULT 1;
