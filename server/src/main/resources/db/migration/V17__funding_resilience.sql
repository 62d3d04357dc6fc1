-- Issue 13, items 4 and 5: a bank submission sweep that never stalls, re-drivable dead letters,
-- and hot system accounts spread over sub-accounts.

-- Each unsubmitted request backs off on its own: the sweep takes only requests whose next attempt
-- is due, oldest due first, so a request that fails every time never holds up the ones behind it.
-- submit_failures counts the attempts that threw (a number that no longer decrypts, a malformed
-- answer); after wallet.funding.max-submit-failures of them the request fails. A bank that does not
-- answer is not counted there: it may have the order, so the same request is sent again, forever
-- if need be (reconciliation reports it as stuck).
ALTER TABLE funding_requests
    ADD COLUMN next_attempt_at   timestamptz,
    ADD COLUMN submit_failures   int NOT NULL DEFAULT 0,
    ADD COLUMN status_checked_at timestamptz;
CREATE INDEX funding_requests_submission_due ON funding_requests ((coalesce(next_attempt_at, created_at)))
    WHERE submitted_at IS NULL AND status = 'pending';
-- Requests the bank accepted and has not reported on: the overdue ones are asked about.
CREATE INDEX funding_requests_awaiting_outcome ON funding_requests ((coalesce(status_checked_at, submitted_at)))
    WHERE submitted_at IS NOT NULL AND status = 'pending';

-- Every record a consumer sent to <topic>.dlq, also kept here: the dead-letter topic is for tools,
-- this table is what admins list and re-drive. A re-drive locks the row and records itself in it,
-- so a dead letter is re-driven at most once, however many admins press the button at once.
CREATE TABLE dead_letters (
    id              uuid PRIMARY KEY,
    consumer        text NOT NULL,
    topic           text NOT NULL,
    kafka_partition int NOT NULL,
    kafka_offset    bigint NOT NULL,
    record_key      text,
    record_value    text NOT NULL,
    error           text NOT NULL,
    dead_at         timestamptz NOT NULL,
    redriven_at     timestamptz,
    redriven_by     uuid,
    redrive_outcome text CONSTRAINT dead_letters_redrive_outcome CHECK (redrive_outcome IN ('applied', 'already_applied')),
    CONSTRAINT dead_letters_once_per_record UNIQUE (consumer, topic, kafka_partition, kafka_offset),
    CONSTRAINT dead_letters_redrive_complete CHECK ((redriven_at IS NULL) = (redrive_outcome IS NULL))
);
CREATE INDEX dead_letters_by_consumer ON dead_letters (consumer, id);

-- Sub-accounts: a system account is several rows of one name and currency, numbered 0..n-1, and its
-- balance is their sum. The existing row of each system account becomes its sub-account 0, so every
-- balance and posting stays valid; the others are created on first use.
ALTER TABLE ledger_accounts ADD COLUMN sub_account smallint NOT NULL DEFAULT 0
    CONSTRAINT ledger_accounts_sub_account CHECK (sub_account >= 0);
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_sub_account_system CHECK (kind = 'system' OR sub_account = 0);
DROP INDEX ledger_accounts_system_name;
CREATE UNIQUE INDEX ledger_accounts_system_name ON ledger_accounts (name, currency, sub_account) WHERE kind = 'system';
