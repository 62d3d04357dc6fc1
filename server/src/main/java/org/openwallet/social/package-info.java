/**
 * The social graph: friend requests ({@code /v1/friends/requests}) and mutual friendships
 * ({@code /v1/friends}). PostgreSQL holds the graph; every change that makes or ends a friendship
 * is a {@code friendship.*} event on {@code wallet.friendship}, from which the feed keeps its own
 * copy.
 */
@ApplicationModule(allowedDependencies = {"identity", "outbox", "platform", "platform::database", "platform::web"})
package org.openwallet.social;

import org.springframework.modulith.ApplicationModule;
