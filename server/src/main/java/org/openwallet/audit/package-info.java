/**
 * The audit log: every admin and operator action (roles, verification, blocking, freezing,
 * re-drives, reconciliation), appended in the same transaction as the change it records, with the
 * actor, the target and the state before and after. Rows are never updated or deleted.
 */
@ApplicationModule(allowedDependencies = {"platform"})
package org.openwallet.audit;

import org.springframework.modulith.ApplicationModule;
