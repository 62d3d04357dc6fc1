-- Completed requests by Idempotency-Key, scoped per user and operation. A row is written in the
-- same transaction as the effect it records, so "recorded" and "done" are the same fact. A request
-- still running holds a transaction-scoped advisory lock on its key instead of a row.
CREATE TABLE idempotency_records (
    user_id         uuid NOT NULL,
    operation       text NOT NULL,
    idempotency_key text NOT NULL,
    fingerprint     bytea NOT NULL,
    response_status int NOT NULL,
    response_body   bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, operation, idempotency_key)
);
CREATE INDEX idempotency_records_by_age ON idempotency_records (created_at);
