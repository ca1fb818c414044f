-- What staff write down about a customer for each other; erased with the
-- customer's account.
CREATE TABLE staff_notes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    author_id BIGINT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX staff_notes_by_user ON staff_notes (user_id, id);
