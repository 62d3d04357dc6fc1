-- Funding controls (issue 13, items 2 and 7): bank accounts verified by micro-deposits before use,
-- one verified account number per user unless an admin allows it, deposit holds, and bank events
-- that did not match their request kept for reconciliation.

-- A linked account starts pending_verification: two micro-deposits are sent to it and the user
-- confirms their amounts. active = verified and usable. After too many wrong answers it is
-- verification_failed for good (re-link to get new micro-deposits). Accounts linked before this
-- migration were usable, and stay active.
ALTER TABLE bank_accounts DROP CONSTRAINT bank_accounts_status;
ALTER TABLE bank_accounts ADD CONSTRAINT bank_accounts_status
    CHECK (status IN ('pending_verification', 'active', 'verification_failed', 'removed'));
-- The micro-deposit amounts, sealed like the account number (AES-GCM, key outside the database),
-- until the account is verified; then cleared.
ALTER TABLE bank_accounts ADD COLUMN micro_deposits_sealed bytea;
ALTER TABLE bank_accounts ADD COLUMN micro_deposits_sent_at timestamptz;
ALTER TABLE bank_accounts ADD COLUMN verification_attempts int NOT NULL DEFAULT 0;
ALTER TABLE bank_accounts ADD COLUMN verified_at timestamptz;
UPDATE bank_accounts SET verified_at = created_at WHERE status = 'active';

DROP INDEX bank_accounts_linked_once;
CREATE UNIQUE INDEX bank_accounts_linked_once ON bank_accounts (user_id, routing_number, account_fingerprint)
    WHERE status IN ('pending_verification', 'active');
-- Who else holds this account number verified (compared by its keyed fingerprint, never the number).
CREATE INDEX bank_accounts_verified_by_number ON bank_accounts (routing_number, account_fingerprint) WHERE status = 'active';

-- An admin's permission for one user to link an account number another user already holds
-- verified (a joint account, a family member). Audited in audit_log.
CREATE TABLE bank_account_allowances (
    user_id             uuid NOT NULL REFERENCES users (id),
    routing_number      char(9) NOT NULL,
    account_fingerprint bytea NOT NULL,
    last4               char(4) NOT NULL,
    granted_by          uuid,
    granted_at          timestamptz NOT NULL,
    PRIMARY KEY (user_id, routing_number, account_fingerprint)
);

-- Settled deposits by user and settlement time: what is still on hold.
CREATE INDEX funding_requests_settled_deposits ON funding_requests (user_id, bank_settled_at)
    WHERE kind = 'deposit' AND status = 'settled';

-- Correctly signed bank events that did not describe what the wallet asked for (another amount,
-- direction, currency or bank transfer id). Never applied; reported by reconciliation.
CREATE TABLE flagged_bank_events (
    event_id         text PRIMARY KEY,
    request_id       uuid NOT NULL,
    type             text NOT NULL,
    bank_transfer_id text NOT NULL,
    direction        text NOT NULL,
    amount           text NOT NULL,
    currency         char(3) NOT NULL,
    reason_code      text,
    occurred_at      timestamptz NOT NULL,
    mismatch         text NOT NULL,
    detail           text NOT NULL,
    payload          jsonb NOT NULL,
    flagged_at       timestamptz NOT NULL
);
CREATE INDEX flagged_bank_events_by_time ON flagged_bank_events (flagged_at);

ALTER TABLE reconciliation_differences DROP CONSTRAINT reconciliation_differences_kind;
ALTER TABLE reconciliation_differences ADD CONSTRAINT reconciliation_differences_kind
    CHECK (kind IN ('missing_in_ledger', 'missing_at_bank', 'amount_mismatch', 'stuck_pending', 'flagged_bank_event'));
