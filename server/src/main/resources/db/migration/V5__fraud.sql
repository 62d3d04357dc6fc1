-- The fraud check's own data. Users start unverified; an admin marks them verified.
CREATE TABLE fraud_profiles (
    user_id    uuid PRIMARY KEY,
    tier       text NOT NULL CONSTRAINT fraud_profiles_tier CHECK (tier IN ('unverified', 'verified')),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Users nobody may pay (sanctioned, compromised, under review).
CREATE TABLE fraud_blocked_recipients (
    user_id    uuid PRIMARY KEY,
    reason     text,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- IP addresses a user has logged in or paid from.
CREATE TABLE fraud_known_ips (
    user_id       uuid NOT NULL,
    ip            text NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, ip)
);

-- Every decision with its inputs and reasons. Append-only, like the ledger.
CREATE TABLE fraud_decisions (
    id                 uuid PRIMARY KEY,
    sender_id          uuid NOT NULL,
    recipient_id       uuid NOT NULL,
    amount_minor       bigint NOT NULL,
    currency           char(3) NOT NULL,
    ip                 text NOT NULL,
    decision           text NOT NULL CONSTRAINT fraud_decisions_decision CHECK (decision IN ('allow', 'decline')),
    reasons            jsonb NOT NULL,
    notes              jsonb NOT NULL,
    timed_out          boolean NOT NULL,
    latency_micros     bigint NOT NULL,
    weekly_limit_minor bigint NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fraud_decisions_by_sender ON fraud_decisions (sender_id, id DESC);

CREATE TRIGGER fraud_decisions_immutable BEFORE UPDATE OR DELETE ON fraud_decisions
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER fraud_decisions_no_truncate BEFORE TRUNCATE ON fraud_decisions
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
