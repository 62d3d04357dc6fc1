package org.openwallet.social;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Configuration;

/**
 * Bounds of the social graph.
 *
 * @param maxFriends how many friends one user may have; it bounds the feed's fan-out on write (a
 *                   payment is copied into at most twice this many timelines)
 */
@ConfigurationProperties("wallet.social")
record SocialProperties(@DefaultValue("5000") int maxFriends) {
    SocialProperties {
        if (maxFriends < 1) {
            throw new IllegalArgumentException("wallet.social.max-friends must be at least 1");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(SocialProperties.class)
    static class Enable {}
}
