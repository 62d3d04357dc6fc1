/** Every setting of the wallet (wallet.*) and the beans every capability shares (the clock, JSON, retries, OpenAPI). */
@org.springframework.modulith.NamedInterface("config")
package org.openwallet.platform.config;
