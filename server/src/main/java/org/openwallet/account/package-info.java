/** A user's view of their own accounts: balances. Reads the ledger, never writes it. */
@ApplicationModule(allowedDependencies = {"funding", "identity", "ledger", "platform::money", "platform::web"})
package org.openwallet.account;

import org.springframework.modulith.ApplicationModule;
