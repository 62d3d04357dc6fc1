/**
 * Users, sign-up, login, sessions and access tokens. Every {@code /v1} request except sign-up,
 * login and refresh carries a bearer token (an ES256-signed JWT) that names the user and the
 * session it belongs to; controllers receive that user as an
 * {@link org.openwallet.identity.AuthenticatedUser} parameter. A session (one login) ends by
 * logout, by its owner, by a password change or by refresh-token reuse, and its tokens stop
 * working within seconds ({@link org.openwallet.identity.Sessions}).
 */
@ApplicationModule(
        allowedDependencies = {
            "audit",
            "ledger",
            "outbox",
            "platform",
            "platform::config",
            "platform::database",
            "platform::money",
            "platform::redis",
            "platform::web",
            "ratelimit"
        })
package org.openwallet.identity;

import org.springframework.modulith.ApplicationModule;
