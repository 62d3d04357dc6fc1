-- The double-entry ledger: the only tables that hold money.
--
-- An account's balances are a cache of its postings, maintained by a trigger in the same
-- transaction as each posting, so they cannot drift from the postings whatever SQL runs.
-- ledger_accounts has no foreign key into users: the ledger is meant to move to its own
-- (sharded) databases, keyed by the owning user.

CREATE TABLE ledger_accounts (
    id                   uuid PRIMARY KEY,
    kind                 text NOT NULL CONSTRAINT ledger_accounts_kind CHECK (kind IN ('user_wallet', 'system')),
    owner_user_id        uuid,
    name                 text,
    currency             char(3) NOT NULL,
    posted_minor         bigint NOT NULL DEFAULT 0,
    pending_credit_minor bigint NOT NULL DEFAULT 0 CONSTRAINT ledger_accounts_pending_credit CHECK (pending_credit_minor >= 0),
    pending_debit_minor  bigint NOT NULL DEFAULT 0 CONSTRAINT ledger_accounts_pending_debit CHECK (pending_debit_minor >= 0),
    created_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ledger_accounts_wallet_has_owner CHECK ((kind = 'user_wallet') = (owner_user_id IS NOT NULL)),
    CONSTRAINT ledger_accounts_system_has_name CHECK ((kind = 'system') = (name IS NOT NULL)),
    -- The last line of defence for "a wallet never goes negative": whatever the code does.
    CONSTRAINT ledger_accounts_wallet_available_not_negative
        CHECK (kind <> 'user_wallet' OR posted_minor - pending_debit_minor >= 0)
);
CREATE UNIQUE INDEX ledger_accounts_one_wallet_per_currency ON ledger_accounts (owner_user_id, currency) WHERE kind = 'user_wallet';
CREATE UNIQUE INDEX ledger_accounts_system_name ON ledger_accounts (name, currency) WHERE kind = 'system';

-- One row per movement of money (the journal). from/to name the accounts whose balances fall and rise.
CREATE TABLE ledger_transfers (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL,
    currency        char(3) NOT NULL,
    amount_minor    bigint NOT NULL CONSTRAINT ledger_transfers_amount_positive CHECK (amount_minor > 0),
    from_account_id uuid NOT NULL REFERENCES ledger_accounts (id),
    to_account_id   uuid NOT NULL REFERENCES ledger_accounts (id),
    reference       text CONSTRAINT ledger_transfers_reference_unique UNIQUE,
    note            text,
    visibility      text,
    created_at      timestamptz NOT NULL,
    CONSTRAINT ledger_transfers_distinct_accounts CHECK (from_account_id <> to_account_id)
);

-- Signed postings: every transfer's postings sum to zero.
CREATE TABLE ledger_postings (
    account_id   uuid NOT NULL REFERENCES ledger_accounts (id),
    transfer_id  uuid NOT NULL REFERENCES ledger_transfers (id),
    amount_minor bigint NOT NULL CONSTRAINT ledger_postings_amount_nonzero CHECK (amount_minor <> 0),
    PRIMARY KEY (account_id, transfer_id)
);
CREATE INDEX ledger_postings_by_transfer ON ledger_postings (transfer_id);

CREATE FUNCTION ledger_apply_posting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ledger_accounts SET posted_minor = posted_minor + NEW.amount_minor WHERE id = NEW.account_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'posting to unknown account %', NEW.account_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_postings_apply AFTER INSERT ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION ledger_apply_posting();

-- Checked at commit, once per transfer: its postings sum to zero, name its own two accounts,
-- and those accounts hold the transfer's currency.
CREATE FUNCTION ledger_check_transfer_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    posting_count int;
    posting_sum   numeric;
    foreign_count int;
BEGIN
    SELECT count(*), coalesce(sum(p.amount_minor), 0),
           count(*) FILTER (WHERE a.currency <> NEW.currency OR p.account_id NOT IN (NEW.from_account_id, NEW.to_account_id))
      INTO posting_count, posting_sum, foreign_count
      FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
     WHERE p.transfer_id = NEW.id;
    IF posting_count < 2 OR posting_sum <> 0 OR foreign_count <> 0 THEN
        RAISE EXCEPTION 'ledger transfer % is unbalanced: % postings summing to %, % foreign', NEW.id, posting_count, posting_sum, foreign_count
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_transfers_balanced AFTER INSERT ON ledger_transfers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_transfer_balanced();

-- Postings and transfers are facts: never changed, never removed. Corrections are new transfers.
CREATE FUNCTION ledger_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: ledger rows are immutable', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER ledger_transfers_immutable BEFORE UPDATE OR DELETE ON ledger_transfers
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_transfers_no_truncate BEFORE TRUNCATE ON ledger_transfers
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_postings_immutable BEFORE UPDATE OR DELETE ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
