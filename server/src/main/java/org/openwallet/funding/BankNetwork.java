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
    enum Direction {
        DEBIT,
        CREDIT
    }

    /** One request, identified by our request id, which the bank takes as its idempotency key. */
    record Order(
            UUID requestId,
            Direction direction,
            String routingNumber,
            String accountNumber,
            String holderName,
            String amount,
            String currency) {}

    /** What the bank said. */
    sealed interface Submission {
        /**
         * Accepted: its outcome comes later, by webhook. {@code bankTransferId} is null when the
         * bank's answer did not say (or could not be read): the order is the bank's all the same.
         */
        record Accepted(String bankTransferId) implements Submission {}

        /**
         * The bank already holds an order under this request id, with fields that differ from the
         * ones sent now (a {@code 422 idempotency_conflict}). The request id is ours, so that order
         * is ours: an earlier send whose answer was lost. It is accepted, not refused: failing the
         * request would refund the user while the bank carries out the order. {@code bankTransferId}
         * is the bank's id of that order, null if the bank did not say.
         */
        record AlreadyAccepted(String bankTransferId, String detail) implements Submission {}

        /** Refused for good (the request itself is wrong): the request fails. */
        record Rejected(String reason) implements Submission {}

        /** No answer, a timeout, a 5xx, or the circuit breaker is open: try again later with the same id. */
        record Unavailable(String reason) implements Submission {}
    }

    /** A settled item of the bank's daily settlement report; {@code requestId} is null for an item the wallet did not ask for. */
    record Settled(
            String bankTransferId,
            UUID requestId,
            Direction direction,
            String amount,
            String currency,
            Instant settledAt) {}

    /** Where one transfer stands at the bank, as its status query answers. */
    sealed interface TransferState {
        /** Accepted and not finished yet. */
        record InFlight() implements TransferState {}

        /** Finished: {@code outcome} is {@code settled}, {@code failed} or {@code returned}. */
        record Completed(
                String bankTransferId,
                UUID requestId,
                Direction direction,
                String amount,
                String currency,
                String outcome,
                String reasonCode,
                Instant completedAt)
                implements TransferState {}

        /** The bank has no transfer of that id (a simulator forgets its transfers when it restarts). */
        record Unknown() implements TransferState {}

        /** No usable answer: ask again later. */
        record Unavailable(String reason) implements TransferState {}
    }

    /**
     * A late return in the bank's report: a transfer that settled (on an earlier day, in that day's
     * settlement items) and that the bank took back on this day, with its reason code.
     */
    record Returned(
            String bankTransferId,
            UUID requestId,
            Direction direction,
            String amount,
            String currency,
            String reasonCode,
            Instant returnedAt) {}

    Submission submit(Order order);

    /**
     * Two micro-deposits (1 to 99 cents each) to the account, to verify the customer owns it. Not
     * wallet money: the operator pays them. {@code requestId} (the bank account's id) is the bank's
     * idempotency key, so sending again after a timeout never sends a second pair.
     */
    record MicroDepositOrder(
            UUID requestId,
            String routingNumber,
            String accountNumber,
            String holderName,
            List<String> amounts,
            String currency) {}

    /** Accepted, Rejected or Unavailable, with the same meaning as for {@link #submit}. */
    Submission sendMicroDeposits(MicroDepositOrder order);

    /** Asks the bank where one of its transfers stands (for a request whose outcome is overdue). */
    TransferState status(String bankTransferId);

    /** Every item the bank settled on {@code date} (UTC). */
    List<Settled> settlementReport(LocalDate date);

    /** Every settled transfer the bank returned on {@code date} (UTC): the report's {@code returns}. */
    List<Returned> returnReport(LocalDate date);
}
