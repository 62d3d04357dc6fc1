/**
 * Cross-cutting pieces every capability uses: configuration, the one way to run a database
 * transaction, time-ordered ids, money parsing and formatting at the API edge, and the mapping of
 * errors to RFC 9457 problem details.
 */
@org.springframework.modulith.ApplicationModule(type = org.springframework.modulith.ApplicationModule.Type.OPEN)
package org.openwallet.platform;
