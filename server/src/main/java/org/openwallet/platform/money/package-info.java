/** Money at the edge: currencies and their minor units, and the decimal strings the API speaks, parsed and formatted exactly. */
@org.springframework.modulith.NamedInterface("money")
package org.openwallet.platform.money;
