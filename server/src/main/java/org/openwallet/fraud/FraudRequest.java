package org.openwallet.fraud;

import java.util.UUID;

/** What the fraud check looks at: who pays whom, how much, and from where. */
public record FraudRequest(UUID senderId, UUID recipientId, long amountMinor, String currency, String ip) {}
