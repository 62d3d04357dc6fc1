/**
 * The double-entry ledger: accounts, transfers, postings and balances. This is the only code that
 * writes money. Every movement is one transfer with postings that sum to zero; balances are kept
 * on the account rows by the database in the same transaction as the postings; nothing is ever
 * updated or deleted. All money SQL lives here, so the ledger can later be split across databases
 * by user without touching its callers.
 */
@ApplicationModule(allowedDependencies = {"platform", "platform::database", "platform::money"})
package org.openwallet.ledger;

import org.springframework.modulith.ApplicationModule;
