-- Leases read by time: each platform's share of leases that got a code
-- (shown before confirming) and the admin dashboard.
CREATE INDEX leases_created ON leases(created_at);
