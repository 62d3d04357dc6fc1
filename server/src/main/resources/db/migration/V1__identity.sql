-- Users of the wallet. Handles are stored lower-case; the API accepts any case.
CREATE TABLE users (
    id                 uuid PRIMARY KEY,
    handle             text NOT NULL CONSTRAINT users_handle_format CHECK (handle ~ '^[a-z0-9_]{3,30}$'),
    email              text,
    password_hash      text NOT NULL,
    default_visibility text NOT NULL DEFAULT 'friends'
        CONSTRAINT users_default_visibility CHECK (default_visibility IN ('public', 'friends', 'private')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_handle_unique UNIQUE (handle)
);
