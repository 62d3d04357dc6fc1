-- Money in and out: the user's linked bank accounts and their deposits and withdrawals.

-- Account numbers are stored sealed (AES-256-GCM, key outside the database) and never returned;
-- the fingerprint (HMAC-SHA256 under the same key) finds the same account linked twice.
CREATE TABLE bank_accounts (
    id                    uuid PRIMARY KEY,
    user_id               uuid NOT NULL REFERENCES users (id),
    routing_number        char(9) NOT NULL,
    account_number_sealed bytea NOT NULL,
    account_fingerprint   bytea NOT NULL,
    last4                 char(4) NOT NULL,
    holder_name           text NOT NULL,
    bank_name             text,
    status                text NOT NULL CONSTRAINT bank_accounts_status CHECK (status IN ('active', 'removed')),
    created_at            timestamptz NOT NULL,
    removed_at            timestamptz
);
CREATE UNIQUE INDEX bank_accounts_linked_once ON bank_accounts (user_id, routing_number, account_fingerprint) WHERE status = 'active';
CREATE INDEX bank_accounts_by_user ON bank_accounts (user_id, id);

-- A deposit or withdrawal: a state machine, pending -> settled | failed | returned, each
-- transition once (guarded by the status it leaves, and recorded in funding_transitions). The
-- money is in the ledger: a pending transfer created with the request, posted or voided by the
-- transition. id is our request id, the bank's idempotency key.
CREATE TABLE funding_requests (
    id                  uuid PRIMARY KEY,
    user_id             uuid NOT NULL REFERENCES users (id),
    kind                text NOT NULL CONSTRAINT funding_requests_kind CHECK (kind IN ('deposit', 'withdrawal')),
    bank_account_id     uuid NOT NULL REFERENCES bank_accounts (id),
    amount_minor        bigint NOT NULL CONSTRAINT funding_requests_amount_positive CHECK (amount_minor > 0),
    currency            char(3) NOT NULL,
    speed               text CONSTRAINT funding_requests_speed CHECK (speed IN ('standard', 'instant')),
    fee_minor           bigint NOT NULL DEFAULT 0 CONSTRAINT funding_requests_fee CHECK (fee_minor >= 0),
    status              text NOT NULL CONSTRAINT funding_requests_status CHECK (status IN ('pending', 'settled', 'failed', 'returned')),
    reason_code         text,
    pending_transfer_id uuid NOT NULL REFERENCES ledger_pending_transfers (id),
    fee_transfer_id     uuid REFERENCES ledger_transfers (id),
    bank_transfer_id    text,
    submitted_at        timestamptz,
    submit_attempts     int NOT NULL DEFAULT 0,
    last_submit_error   text,
    bank_settled_at     timestamptz,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CONSTRAINT funding_requests_speed_for_withdrawals CHECK ((kind = 'withdrawal') = (speed IS NOT NULL))
);
CREATE INDEX funding_requests_by_user ON funding_requests (user_id, kind, id);
CREATE INDEX funding_requests_unsubmitted ON funding_requests (created_at) WHERE submitted_at IS NULL AND status = 'pending';
CREATE INDEX funding_requests_pending ON funding_requests (created_at) WHERE status = 'pending';

CREATE TABLE funding_transitions (
    request_id    uuid NOT NULL REFERENCES funding_requests (id),
    from_status   text NOT NULL,
    to_status     text NOT NULL,
    reason_code   text,
    bank_event_id text,
    occurred_at   timestamptz NOT NULL,
    PRIMARY KEY (request_id, to_status)
);

-- Bank webhook events already published to bank.events: a replay of one is not published again.
CREATE TABLE bank_webhook_events (
    event_id    text PRIMARY KEY,
    received_at timestamptz NOT NULL
);

-- Reconciliation: the bank's settlement report against the ledger, one run per business day or request.
CREATE TABLE reconciliation_runs (
    id            uuid PRIMARY KEY,
    business_date date NOT NULL,
    triggered_by  text NOT NULL,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz,
    bank_items    int,
    ledger_items  int,
    differences   int
);
CREATE TABLE reconciliation_differences (
    run_id              uuid NOT NULL REFERENCES reconciliation_runs (id),
    seq                 int NOT NULL,
    kind                text NOT NULL CONSTRAINT reconciliation_differences_kind
                            CHECK (kind IN ('missing_in_ledger', 'missing_at_bank', 'amount_mismatch', 'stuck_pending')),
    request_id          uuid,
    bank_transfer_id    text,
    bank_amount_minor   bigint,
    ledger_amount_minor bigint,
    detail              text NOT NULL,
    PRIMARY KEY (run_id, seq)
);
