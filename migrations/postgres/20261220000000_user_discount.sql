-- A customer's discount off the list prices, in percent, set by an admin
-- (domain/discount.rs): Get Number, confirmations and the reseller API
-- charge the discounted price.
ALTER TABLE users ADD COLUMN discount_percent INTEGER NOT NULL DEFAULT 0;
