-- A session is one login on one device: the family of refresh tokens that login started. Every
-- access token names its session (the sid claim), so ending the session ends its access tokens
-- too, within a revocation poll, not at their expiry.
CREATE TABLE sessions (
    id             uuid PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES users (id),
    device         text NOT NULL,
    ip             text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_used_at   timestamptz NOT NULL DEFAULT now(),
    -- The expiry of the session's newest refresh token: past it, nothing can extend the session.
    expires_at     timestamptz NOT NULL,
    revoked_at     timestamptz,
    revoked_reason text CONSTRAINT sessions_revoked_reason
        CHECK (revoked_reason IN ('logout', 'ended', 'password_changed', 'refresh_token_reused', 'evicted')),
    CONSTRAINT sessions_revoked_together CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX sessions_user_active ON sessions (user_id, last_used_at) WHERE revoked_at IS NULL;
-- Every node polls the revocations of the last few seconds, once a second.
CREATE INDEX sessions_revoked_at ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Refresh tokens are opaque random strings; only their SHA-256 is kept. A retired token is kept
-- until it would have expired, so presenting it again is recognised as reuse of a stolen token.
CREATE TABLE refresh_tokens (
    token_hash bytea PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    retired_at timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);
