-- SMS Gateway for Android reports the device and SIM slot that received a
-- message, not the number: a pool number may name its device and slot.
ALTER TABLE numbers ADD COLUMN gateway_device TEXT;
ALTER TABLE numbers ADD COLUMN gateway_sim BIGINT;
CREATE UNIQUE INDEX numbers_gateway_sim ON numbers(gateway_device, gateway_sim);

-- Who a message was addressed to, as the gateway said it (kept for
-- unmatched messages whose number we do not know), and unmatched
-- messages an admin dismissed.
ALTER TABLE sms_messages ADD COLUMN recipient TEXT NOT NULL DEFAULT '';
ALTER TABLE sms_messages ADD COLUMN dismissed_at BIGINT;
ALTER TABLE sms_messages ADD COLUMN dismissed_by BIGINT REFERENCES users(id);
CREATE INDEX sms_messages_unmatched ON sms_messages(received_at) WHERE lease_id IS NULL AND dismissed_at IS NULL;
