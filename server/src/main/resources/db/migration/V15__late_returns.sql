-- Late bank returns: a deposit the bank takes back after it settled (an ACH return up to 60 days
-- later: R01 insufficient funds, R10 unauthorized, ...), and the debt it can leave behind.
--
-- The debt account. A late return takes back what the user's wallet still holds; the rest is owed
-- by the user and is booked on a per-user, per-currency account of kind 'user_receivable'. Its
-- balance follows the ledger's one sign convention (an account's balance is the sum of its
-- postings): the late return posts receivable -> bank clearing, so the receivable goes NEGATIVE,
-- and minus its balance is what the user owes. It never goes above zero (it is an asset of the
-- wallet company, never money the company owes the user) and holds nothing pending. Every credit
-- to the user's wallet repays it first (wallet -> receivable), until it is back at zero. Postings
-- still sum to zero per transfer and over the whole ledger; the wallet's own CHECK (never below
-- zero) is untouched: the debt is never booked on the wallet.

ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind CHECK (kind IN ('user_wallet', 'system', 'user_receivable'));
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_wallet_has_owner;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_wallet_has_owner
    CHECK ((kind IN ('user_wallet', 'user_receivable')) = (owner_user_id IS NOT NULL));
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_receivable_is_a_debt
    CHECK (kind <> 'user_receivable' OR (posted_minor <= 0 AND pending_credit_minor = 0 AND pending_debit_minor = 0));
CREATE UNIQUE INDEX ledger_accounts_one_receivable_per_currency ON ledger_accounts (owner_user_id, currency) WHERE kind = 'user_receivable';
-- The hot path asks "is anyone of these users in debt?" for every payment batch: this index holds
-- the indebted users only, so for everyone else the answer is one probe of a tiny index.
CREATE INDEX ledger_accounts_indebted ON ledger_accounts (owner_user_id, currency) WHERE kind = 'user_receivable' AND posted_minor < 0;

-- One row per late return applied: what the bank took back and how the ledger covered it. The
-- request itself moves settled -> returned (a funding_transitions row); this keeps the details
-- reconciliation matches against the bank's report of returns.
CREATE TABLE funding_late_returns (
    request_id       uuid PRIMARY KEY REFERENCES funding_requests (id),
    reason_code      text NOT NULL,
    bank_event_id    text,
    -- When the bank returned it, on the bank's clock (the event's occurred_at).
    returned_at      timestamptz NOT NULL,
    amount_minor     bigint NOT NULL CONSTRAINT funding_late_returns_amount_positive CHECK (amount_minor > 0),
    -- Taken back from the wallet, and left as the user's debt; together the returned amount.
    reversed_minor   bigint NOT NULL CONSTRAINT funding_late_returns_reversed CHECK (reversed_minor >= 0),
    debt_minor       bigint NOT NULL CONSTRAINT funding_late_returns_debt CHECK (debt_minor >= 0),
    recorded_at      timestamptz NOT NULL,
    CONSTRAINT funding_late_returns_covered CHECK (reversed_minor + debt_minor = amount_minor)
);
CREATE INDEX funding_late_returns_by_day ON funding_late_returns (returned_at);
