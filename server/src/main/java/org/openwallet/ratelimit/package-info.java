/**
 * Rate limits enforced atomically in Redis (a token bucket in one Lua script), per user, per IP
 * and per handle, with the RateLimit-* and Retry-After headers. When Redis cannot be asked, the
 * same buckets are kept in each node's memory (bounded, least recently used forgotten first), so
 * every limit still holds, per node, and a cache outage is neither a sign-in outage nor a hole in
 * the limits; each such decision is counted ({@code wallet.ratelimit.local}).
 */
@ApplicationModule(allowedDependencies = {"platform::redis", "platform::web"})
package org.openwallet.ratelimit;

import org.springframework.modulith.ApplicationModule;
