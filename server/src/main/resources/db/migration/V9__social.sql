-- The social graph: friend requests and mutual friendships. PostgreSQL is the graph's truth (a
-- request is accepted exactly once, the friend limit holds under races); the feed keeps a copy in
-- Cassandra, fed by the friendship events.
CREATE TABLE friend_requests (
    id           uuid PRIMARY KEY,
    from_user_id uuid NOT NULL REFERENCES users (id),
    to_user_id   uuid NOT NULL REFERENCES users (id),
    status       text NOT NULL CONSTRAINT friend_requests_status CHECK (status IN ('pending', 'accepted', 'declined')),
    created_at   timestamptz NOT NULL,
    decided_at   timestamptz,
    CONSTRAINT friend_requests_not_self CHECK (from_user_id <> to_user_id)
);
-- At most one open request between two users, whichever asked.
CREATE UNIQUE INDEX friend_requests_one_pending ON friend_requests (LEAST(from_user_id, to_user_id), GREATEST(from_user_id, to_user_id))
    WHERE status = 'pending';
CREATE INDEX friend_requests_incoming ON friend_requests (to_user_id, id) WHERE status = 'pending';
CREATE INDEX friend_requests_outgoing ON friend_requests (from_user_id, id) WHERE status = 'pending';

-- One row per direction, so "my friends" is one index range.
CREATE TABLE friendships (
    user_id    uuid NOT NULL REFERENCES users (id),
    friend_id  uuid NOT NULL REFERENCES users (id),
    since      timestamptz NOT NULL,
    PRIMARY KEY (user_id, friend_id),
    CONSTRAINT friendships_not_self CHECK (user_id <> friend_id)
);

-- How many friends each user has, kept under the user's row lock so the limit cannot be raced.
ALTER TABLE users ADD COLUMN friend_count int NOT NULL DEFAULT 0 CONSTRAINT users_friend_count CHECK (friend_count >= 0);

-- A transfer made more private after it was posted (ledger rows never change). Only ever narrows:
-- the visibility shown is the most private of this and the one the transfer was posted with.
CREATE TABLE transfer_visibility (
    transfer_id uuid PRIMARY KEY REFERENCES ledger_transfers (id),
    visibility  text NOT NULL CONSTRAINT transfer_visibility_value CHECK (visibility IN ('friends', 'private')),
    changed_by  uuid NOT NULL REFERENCES users (id),
    changed_at  timestamptz NOT NULL
);
