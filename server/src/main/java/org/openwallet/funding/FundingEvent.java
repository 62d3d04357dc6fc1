package org.openwallet.funding;

import java.util.UUID;

/**
 * Payload of the {@code funding.*} events, version 1 ({@code funding.requested}, {@code funding.settled},
 * {@code funding.failed}, {@code funding.returned}; schemas in {@code events/}). Published on
 * {@code wallet.funding}, keyed by the user, for the feed and notifications.
 */
record FundingEvent(
        UUID requestId,
        UUID userId,
        String kind,
        String amount,
        String fee,
        String currency,
        String status,
        String reasonCode,
        String occurredAt) {
    static final String AGGREGATE = "funding";
    static final int VERSION = 1;
}
