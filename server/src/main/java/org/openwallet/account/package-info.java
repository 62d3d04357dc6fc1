/** A user's view of their own accounts: balances. Reads the ledger, never writes it. */
@ApplicationModule(allowedDependencies = {"funding", "identity", "ledger", "platform"})
package org.openwallet.account;

import org.springframework.modulith.ApplicationModule;
