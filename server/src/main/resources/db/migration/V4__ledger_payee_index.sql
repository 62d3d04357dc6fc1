-- "Has this wallet paid that one before?" (the fraud check's new-recipient rule) without a scan.
CREATE INDEX ledger_transfers_by_payee ON ledger_transfers (from_account_id, to_account_id);
