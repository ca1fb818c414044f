-- When the customer cancelled saying the platform turned the number away:
-- such a number goes last for that platform (services/silent_numbers.rs).
ALTER TABLE leases ADD COLUMN refused_at BIGINT;
