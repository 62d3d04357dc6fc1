/** Demo users alice and bob, each funded with 1,000.00 through an ordinary ledger transfer; only with {@code --demo}. */
@ApplicationModule(allowedDependencies = {"identity", "ledger", "platform::database", "platform::money"})
package org.openwallet.demo;

import org.springframework.modulith.ApplicationModule;
