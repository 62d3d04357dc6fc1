package org.openwallet.funding;

import java.util.Optional;
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
 * An event that does not match its request (amount, direction, currency, bank transfer id) moves
 * nothing and is flagged instead ({@link FlaggedBankEvents}).
 */
@Component
class BankEventHandler implements EventHandler {
    private final Funding funding;
    private final FlaggedBankEvents flagged;

    BankEventHandler(Funding funding, FlaggedBankEvents flagged) {
        this.funding = funding;
        this.flagged = flagged;
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
        BankEvent bankEvent;
        UUID requestId;
        try {
            bankEvent = BankEvent.parse(payload);
            requestId = UUID.fromString(bankEvent.requestId());
        } catch (BankEvent.Malformed | IllegalArgumentException malformed) {
            throw new PoisonEventException("not a valid bank event: " + malformed.getMessage());
        }
        if (!event.type().equals("bank." + bankEvent.type())) {
            throw new PoisonEventException(
                    "the envelope says " + event.type() + ", the bank's event " + bankEvent.type());
        }
        Optional<FlaggedBankEvents.Mismatch> mismatch = flagged.check(requestId, bankEvent);
        if (mismatch.isPresent()) {
            flagged.flag(requestId, bankEvent, mismatch.get(), payload);
            return;
        }
        try {
            funding.applyOutcome(
                    requestId, outcome, bankEvent.reasonCode(), bankEvent.eventId(), bankEvent.occurredAt());
        } catch (Funding.UnknownRequestException unknown) {
            throw new PoisonEventException(unknown.getMessage());
        }
    }
}
