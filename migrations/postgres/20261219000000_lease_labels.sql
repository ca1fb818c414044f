-- The customer's own name for a lease ("work Telegram"), so their list of
-- numbers says which account each one opened (services/lease_labels.rs).
ALTER TABLE leases ADD COLUMN label TEXT;
