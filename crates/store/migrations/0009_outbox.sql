-- The durable outbox. A notification is written in the transaction of the event it
-- announces (and its audit event), with one delivery per recipient and channel, each
-- decided by lockstep_core::notify::delivery at that moment. Delivery workers claim
-- due deliveries (FOR UPDATE SKIP LOCKED on PostgreSQL), send them, and record the
-- outcome; the delivery's id is its idempotency key (the email's Message-ID, the
-- webhook's id). Shared dialect only.

CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    case_id TEXT REFERENCES cases(id),
    kind TEXT NOT NULL,
    tlp TEXT NOT NULL,
    -- Whether the case was not yet public when the event happened.
    embargoed BIGINT NOT NULL,
    -- The facts the message is rendered from, as JSON.
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    seq BIGINT NOT NULL
);
CREATE INDEX notifications_case ON notifications(case_id, seq);

-- contact_id and webhook_id are not foreign keys: a contact removed later keeps its
-- delivery history. address is the email address or the webhook URL at that moment.
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    notification_id TEXT NOT NULL REFERENCES notifications(id),
    channel TEXT NOT NULL,
    contact_id TEXT,
    webhook_id TEXT,
    address TEXT NOT NULL,
    name TEXT NOT NULL,
    content TEXT NOT NULL,
    -- The OpenPGP key an `encrypted` delivery is encrypted to, as it was when decided.
    pgp_key TEXT,
    language TEXT,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT,
    last_error TEXT,
    sent_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries(state, next_attempt_at);
CREATE INDEX deliveries_notification ON deliveries(notification_id);
