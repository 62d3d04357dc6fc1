package org.openwallet.funding;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.UUID;

/** A deposit or withdrawal as the API shows it to its owner. */
@JsonInclude(JsonInclude.Include.NON_NULL)
record FundingView(
        UUID id,
        String type,
        String status,
        UUID bankAccountId,
        String amount,
        String fee,
        String currency,
        String speed,
        String reasonCode,
        String createdAt,
        String updatedAt) {}
