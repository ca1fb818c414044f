-- The ledger export reads entries by time (/admin/ledger.csv).
CREATE INDEX ledger_entries_time ON ledger_entries(created_at);
