-- In-app support: a customer's tickets and their threads. Read marks on
-- each side give the unread badges.
CREATE TABLE support_tickets (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    subject TEXT NOT NULL,
    lease_id BIGINT REFERENCES leases(id),
    status TEXT NOT NULL DEFAULT 'open',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    customer_read_at BIGINT NOT NULL,
    staff_read_at BIGINT NOT NULL DEFAULT 0,
    closed_at BIGINT
);
CREATE INDEX support_tickets_user ON support_tickets(user_id, updated_at);
CREATE INDEX support_tickets_status ON support_tickets(status, updated_at);

CREATE TABLE support_messages (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES support_tickets(id),
    author_user_id BIGINT NOT NULL REFERENCES users(id),
    from_staff BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX support_messages_ticket ON support_messages(ticket_id, id);
