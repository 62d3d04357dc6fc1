/**
 * Benchmarks that start a throwaway wallet with every real component and drive it over HTTP as
 * clients would. Their figures go into the README.
 */
@ApplicationModule(allowedDependencies = {"feed", "ledger", "platform", "platform::config", "platform::database"})
package org.openwallet.bench;

import org.springframework.modulith.ApplicationModule;
