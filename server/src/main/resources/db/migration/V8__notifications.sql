-- In-app notifications, written by the notification consumer from events. A notification is a
-- projection of an event: the user it is for, the event it came from, and what it says.
--
-- event_id is UNIQUE as a second guard behind processed_events: even if that record were lost,
-- a redelivered event could not notify twice. There is no foreign key to users on purpose: the
-- rows come from events, which may one day come from another shard's database.
CREATE TABLE notifications (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL,
    event_id      uuid NOT NULL CONSTRAINT notifications_event_unique UNIQUE,
    kind          text NOT NULL,
    transfer_id   uuid,
    actor_user_id uuid,
    actor_handle  text,
    amount_minor  bigint CONSTRAINT notifications_amount_positive CHECK (amount_minor > 0),
    currency      text,
    text          text NOT NULL,
    created_at    timestamptz NOT NULL,
    read_at       timestamptz
);

-- The list is read per user, newest first, by keyset on the time-ordered id.
CREATE INDEX notifications_user_newest ON notifications (user_id, id DESC);
-- The same for the unread_only filter, which would otherwise skip over every read row.
CREATE INDEX notifications_user_unread_newest ON notifications (user_id, id DESC) WHERE read_at IS NULL;

-- One webhook per user. The secret is kept as given to the user because signing needs it
-- (HMAC), unlike a password it cannot be stored as a hash.
CREATE TABLE notification_webhooks (
    user_id    uuid PRIMARY KEY,
    url        text NOT NULL CONSTRAINT notification_webhooks_url_length CHECK (length(url) <= 2048),
    secret     text NOT NULL,
    updated_at timestamptz NOT NULL
);
