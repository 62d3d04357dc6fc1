-- Pending transfers: money promised but not yet moved (a deposit on its way in, a withdrawal held
-- for the bank). A pending transfer raises the payer's pending debit (its available balance falls
-- at once, so the money cannot be spent twice) and the payee's pending credit (visible, not
-- spendable). It is resolved exactly once: posted (a real transfer moves the money) or voided.
-- Both tables are append-only, like the rest of the ledger: a resolution is a new row, never an
-- update, and its primary key makes a second resolution impossible.
CREATE TABLE ledger_pending_transfers (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL,
    currency        char(3) NOT NULL,
    amount_minor    bigint NOT NULL CONSTRAINT ledger_pending_amount_positive CHECK (amount_minor > 0),
    from_account_id uuid NOT NULL REFERENCES ledger_accounts (id),
    to_account_id   uuid NOT NULL REFERENCES ledger_accounts (id),
    reference       text NOT NULL CONSTRAINT ledger_pending_reference_unique UNIQUE,
    note            text,
    created_at      timestamptz NOT NULL,
    CONSTRAINT ledger_pending_distinct_accounts CHECK (from_account_id <> to_account_id)
);

CREATE TABLE ledger_pending_resolutions (
    pending_id  uuid PRIMARY KEY REFERENCES ledger_pending_transfers (id),
    outcome     text NOT NULL CONSTRAINT ledger_pending_outcome CHECK (outcome IN ('posted', 'voided')),
    transfer_id uuid REFERENCES ledger_transfers (id),
    resolved_at timestamptz NOT NULL,
    CONSTRAINT ledger_pending_posted_has_transfer CHECK ((outcome = 'posted') = (transfer_id IS NOT NULL))
);

CREATE FUNCTION ledger_apply_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ledger_accounts SET pending_debit_minor = pending_debit_minor + NEW.amount_minor WHERE id = NEW.from_account_id;
    UPDATE ledger_accounts SET pending_credit_minor = pending_credit_minor + NEW.amount_minor WHERE id = NEW.to_account_id;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_pending_apply AFTER INSERT ON ledger_pending_transfers
    FOR EACH ROW EXECUTE FUNCTION ledger_apply_pending();

CREATE FUNCTION ledger_release_pending() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pending ledger_pending_transfers%ROWTYPE;
BEGIN
    SELECT * INTO pending FROM ledger_pending_transfers WHERE id = NEW.pending_id;
    UPDATE ledger_accounts SET pending_debit_minor = pending_debit_minor - pending.amount_minor WHERE id = pending.from_account_id;
    UPDATE ledger_accounts SET pending_credit_minor = pending_credit_minor - pending.amount_minor WHERE id = pending.to_account_id;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_pending_release AFTER INSERT ON ledger_pending_resolutions
    FOR EACH ROW EXECUTE FUNCTION ledger_release_pending();

CREATE TRIGGER ledger_pending_immutable BEFORE UPDATE OR DELETE ON ledger_pending_transfers
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_pending_no_truncate BEFORE TRUNCATE ON ledger_pending_transfers
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_resolutions_immutable BEFORE UPDATE OR DELETE ON ledger_pending_resolutions
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_resolutions_no_truncate BEFORE TRUNCATE ON ledger_pending_resolutions
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
