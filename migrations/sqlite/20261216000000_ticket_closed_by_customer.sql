-- Whether the customer closed the ticket (an answered question) rather
-- than support: staff read it in the inbox.
ALTER TABLE support_tickets ADD COLUMN closed_by_customer BIGINT NOT NULL DEFAULT 0;
