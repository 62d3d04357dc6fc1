package org.openwallet.funding;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.UUID;
import org.openwallet.events.Event;
import org.openwallet.events.EventHandler;
import org.openwallet.events.PoisonEventException;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The reconciliation worker: consumes {@code bank.events} (consumer group {@code wallet.funding})
 * and moves each request to the bank's outcome in one ledger transaction, exactly once (the event
 * id is remembered in the same transaction, and the request leaves {@code pending} only once).
 */
@Component
class BankEventHandler implements EventHandler {
    private final Funding funding;

    BankEventHandler(Funding funding) {
        this.funding = funding;
    }

    @Override
    public String name() {
        return "funding";
    }

    @Override
    public Set<String> topics() {
        return Set.of(BankEventsPublisher.TOPIC);
    }

    @Override
    public void apply(Event event) {
        JsonNode payload = event.payload();
        String outcome = switch (event.type()) {
            case "bank.transfer.settled" -> FundingRequest.SETTLED;
            case "bank.transfer.failed" -> FundingRequest.FAILED;
            case "bank.transfer.returned" -> FundingRequest.RETURNED;
            default -> throw new PoisonEventException("unknown bank event type " + event.type());
        };
        UUID requestId;
        Instant occurredAt;
        try {
            requestId = UUID.fromString(payload.get("request_id").asString());
            occurredAt = Instant.parse(payload.get("occurred_at").asString());
        } catch (RuntimeException malformed) {
            throw new PoisonEventException("bank event without a valid request_id or occurred_at: " + malformed);
        }
        JsonNode reason = payload.get("reason_code");
        try {
            funding.applyOutcome(requestId, outcome, reason == null || reason.isNull() ? null : reason.asString(),
                    payload.get("event_id").asString(), occurredAt);
        } catch (Funding.UnknownRequestException unknown) {
            throw new PoisonEventException(unknown.getMessage());
        }
    }
}
