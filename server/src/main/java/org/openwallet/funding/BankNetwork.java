package org.openwallet.funding;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;

/**
 * The bank network, as the wallet sees it. One implementation speaks HTTP to a bank (or the bank
 * simulator); callers hold no database connection while they call it.
 */
interface BankNetwork {
    /** Pull money from the user's bank account (a deposit) or push it there (a withdrawal). */
    enum Direction { DEBIT, CREDIT }

    /** One request, identified by our request id, which the bank takes as its idempotency key. */
    record Order(UUID requestId, Direction direction, String routingNumber, String accountNumber, String holderName,
                 String amount, String currency) {
    }

    /** What the bank said. */
    sealed interface Submission {
        /** Accepted: its outcome comes later, by webhook. */
        record Accepted(String bankTransferId) implements Submission {
        }

        /** Refused for good (the request itself is wrong): the request fails. */
        record Rejected(String reason) implements Submission {
        }

        /** No answer, a timeout, a 5xx, or the circuit breaker is open: try again later with the same id. */
        record Unavailable(String reason) implements Submission {
        }
    }

    /** A settled item of the bank's daily settlement report; {@code requestId} is null for an item the wallet did not ask for. */
    record Settled(String bankTransferId, UUID requestId, Direction direction, String amount, String currency, Instant settledAt) {
    }

    /**
     * A late return in the bank's report: a transfer that settled (on an earlier day, in that day's
     * settlement items) and that the bank took back on this day, with its reason code.
     */
    record Returned(String bankTransferId, UUID requestId, Direction direction, String amount, String currency, String reasonCode,
                    Instant returnedAt) {
    }

    Submission submit(Order order);

    /** Every item the bank settled on {@code date} (UTC). */
    List<Settled> settlementReport(LocalDate date);

    /** Every settled transfer the bank returned on {@code date} (UTC): the report's {@code returns}. */
    List<Returned> returnReport(LocalDate date);
}
