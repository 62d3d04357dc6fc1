package org.openwallet.funding;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code ./wallet bank-events dead-letters [--url URL]} lists the dead-lettered bank events;
 * {@code ./wallet bank-events redrive <id> [--url URL]} re-drives one. Like {@link ReconcileCommand}
 * it calls the running wallet's admin endpoints with the token in {@code WALLET_ADMIN_TOKEN}, so the
 * re-drive is the same exactly-once, audited action as through the API, recorded under that admin.
 */
@Command(name = "bank-events", description = "List the dead-lettered bank events, or re-drive one.")
public final class BankEventsCommand {
    @Command(name = "dead-letters", description = "List the dead-lettered bank events (the first 100).")
    int deadLetters(@Mixin AdminClient wallet) {
        return wallet.call(
                "bank-events",
                "/v1/admin/bank-events/dead-letters?limit=100",
                HttpRequest.newBuilder().GET(),
                Duration.ofMinutes(1),
                200);
    }

    @Command(name = "redrive", description = "Apply one dead-lettered bank event, exactly once (audited).")
    int redrive(@Parameters(paramLabel = "<dead-letter id>") UUID id, @Mixin AdminClient wallet) {
        return wallet.call(
                "bank-events",
                "/v1/admin/bank-events/dead-letters/" + id + "/redrive",
                HttpRequest.newBuilder()
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{}")),
                Duration.ofMinutes(1),
                200);
    }
}
