-- The address each code was mailed to. A code proves only that address:
-- an email change takes its new address from the code, and a code sent
-- to an address the account no longer uses verifies nothing.
ALTER TABLE email_codes ADD COLUMN sent_to TEXT;
