/** A user's view of their own accounts: balances. Reads the ledger, never writes it. */
package org.openwallet.account;
