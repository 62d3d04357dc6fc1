package org.openwallet.funding;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.openwallet.audit.AuditLog;
import org.openwallet.events.DeadLetters;
import org.openwallet.events.PoisonEventException;
import org.openwallet.identity.AuthenticatedUser;
import org.openwallet.identity.Role;
import org.openwallet.identity.Roles;
import org.openwallet.platform.database.Transactions;
import org.openwallet.platform.web.ApiContract;
import org.openwallet.platform.web.Cursors;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Admin: the bank events the funding consumer dead-lettered, and their re-drive. A re-drive applies
 * the event through the consumer's own path ({@link BankEventHandler}, which moves the request
 * exactly once), at most once per dead letter however often or concurrently it is asked for, and
 * is audited ({@code bank_event.redriven}). An event that still cannot be applied is a 422
 * {@code dead_letter_still_failing} and changes nothing.
 */
@RestController
@Tag(name = "Admin: funding", description = "Dead-lettered bank events and their re-drive")
class BankEventDeadLetterController {
    private static final Logger log = LoggerFactory.getLogger(BankEventDeadLetterController.class);

    private final DeadLetters deadLetters;
    private final BankEventHandler handler;
    private final Roles roles;
    private final AuditLog audit;
    private final Transactions transactions;

    BankEventDeadLetterController(
            DeadLetters deadLetters, BankEventHandler handler, Roles roles, AuditLog audit, Transactions transactions) {
        this.deadLetters = deadLetters;
        this.handler = handler;
        this.roles = roles;
        this.audit = audit;
        this.transactions = transactions;
    }

    record DeadLetterView(
            UUID id,
            String topic,
            int partition,
            long offset,
            String key,
            String value,
            String error,
            String deadAt,
            String redrivenAt,
            UUID redrivenBy,
            String redriveOutcome) {
        static DeadLetterView of(DeadLetters.DeadLetter letter) {
            return new DeadLetterView(
                    letter.id(),
                    letter.topic(),
                    letter.partition(),
                    letter.offset(),
                    letter.key(),
                    letter.value(),
                    letter.error(),
                    letter.deadAt().toString(),
                    letter.redrivenAt() == null ? null : letter.redrivenAt().toString(),
                    letter.redrivenBy(),
                    letter.redriveOutcome());
        }
    }

    record DeadLetterPage(List<DeadLetterView> items, String nextCursor) {}

    /** {@code result}: {@code applied} now, {@code already_applied} (the consumer had applied it), or {@code already_redriven} (nothing done). */
    record RedriveView(String result, DeadLetterView deadLetter) {}

    @GetMapping("/v1/admin/bank-events/dead-letters")
    @ApiContract(access = ApiContract.Access.ADMIN_OR_SUPPORT)
    @Operation(
            summary = "List the dead-lettered bank events, newest first (admin or support)",
            description =
                    "Each with its topic, partition, offset, the raw event, the error, and whether and how it was re-driven. limit is 1-100 (default 20); pass next_cursor back as cursor for the next page.")
    DeadLetterPage list(
            @Parameter(hidden = true) AuthenticatedUser user,
            @RequestParam(defaultValue = "20") int limit,
            @RequestParam(required = false) String cursor) {
        roles.require(user, Role.ADMIN, Role.SUPPORT);
        if (limit < 1 || limit > DeadLetters.MAX_PAGE_SIZE) {
            throw new ProblemException(
                    ProblemCode.VALIDATION_FAILED, "limit must be between 1 and " + DeadLetters.MAX_PAGE_SIZE + ".");
        }
        List<DeadLetters.DeadLetter> rows =
                deadLetters.page(handler.name(), cursor == null ? null : Cursors.decode(cursor), limit + 1);
        boolean more = rows.size() > limit;
        List<DeadLetters.DeadLetter> page = more ? rows.subList(0, limit) : rows;
        return new DeadLetterPage(
                page.stream().map(DeadLetterView::of).toList(),
                more ? Cursors.encode(page.getLast().id()) : null);
    }

    @PostMapping("/v1/admin/bank-events/dead-letters/{id}/redrive")
    @ApiContract(
            access = ApiContract.Access.ADMIN,
            problems = {ProblemCode.NOT_FOUND, ProblemCode.DEAD_LETTER_STILL_FAILING})
    @Operation(
            summary = "Apply a dead-lettered bank event, exactly once (admin)",
            description =
                    "Applies the event through the consumer's own path. result is applied, already_applied (the consumer had applied it) or already_redriven (nothing done). An event that still cannot be applied is 422 dead_letter_still_failing and changes nothing. Audited (bank_event.redriven).")
    RedriveView redrive(@Parameter(hidden = true) AuthenticatedUser admin, @PathVariable UUID id) {
        roles.requireAdmin(admin);
        try {
            return transactions.run(() -> switch (deadLetters.redrive(handler, id, admin.userId())) {
                case DeadLetters.Redrive.NotFound notFound ->
                    throw new ProblemException(ProblemCode.NOT_FOUND, "No dead-lettered bank event " + id + ".");
                case DeadLetters.Redrive.AlreadyRedriven earlier ->
                    new RedriveView("already_redriven", DeadLetterView.of(earlier.deadLetter()));
                case DeadLetters.Redrive.Applied applied -> audited(admin, "applied", applied.deadLetter());
                case DeadLetters.Redrive.AlreadyApplied known -> audited(admin, "already_applied", known.deadLetter());
            });
        } catch (PoisonEventException stillFailing) {
            log.warn("Re-drive of dead letter {} by {} failed: {}", id, admin.handle(), stillFailing.getMessage());
            throw new ProblemException(
                    ProblemCode.DEAD_LETTER_STILL_FAILING,
                    "The event still cannot be applied: " + stillFailing.getMessage());
        }
    }

    private RedriveView audited(AuthenticatedUser admin, String result, DeadLetters.DeadLetter letter) {
        Map<String, Object> after = new LinkedHashMap<>();
        after.put("redriven", true);
        after.put("outcome", result);
        audit.append(
                admin.actor(), "bank_event.redriven", "dead_letter", letter.id(), Map.of("redriven", false), after);
        return new RedriveView(result, DeadLetterView.of(letter));
    }
}
