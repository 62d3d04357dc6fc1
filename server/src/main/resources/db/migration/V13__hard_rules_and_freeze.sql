-- Frozen users (an admin's decision, audited): a frozen user can neither send, be paid, withdraw
-- nor link a bank account until unfrozen. Deposits already on their way still settle, so no money
-- is lost. Unfreezing deletes the row; the history of freezes is in the audit log. The primary key
-- is the index the payment's ledger transaction reads (HardRules), under the sender's row lock.
CREATE TABLE fraud_freezes (
    user_id   uuid PRIMARY KEY REFERENCES users (id),
    reason    text NOT NULL CONSTRAINT fraud_freezes_reason CHECK (length(reason) BETWEEN 1 AND 500),
    frozen_by uuid,
    frozen_at timestamptz NOT NULL DEFAULT now()
);
