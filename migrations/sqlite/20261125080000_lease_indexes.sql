-- Picking a free number looks at each number's leases: its most recent
-- lease and whether it got a code for the platform. Without these indexes
-- every pick scanned the whole leases table (the lease-cycle benchmark
-- fell to 3 % of raw SQL as the table grew).
CREATE INDEX leases_number_recent ON leases(number_id, created_at);
CREATE INDEX leases_number_platform_code ON leases(number_id, platform_id, code_at);
