/**
 * Rate limits enforced atomically in Redis (a token bucket in one Lua script), per user, per IP
 * and per handle, with the RateLimit-* and Retry-After headers. When Redis cannot be asked,
 * money-moving endpoints fail open (the ledger still guards the money) and login fails closed (no
 * unlimited password guessing); both are logged and counted.
 */
package org.openwallet.ratelimit;
