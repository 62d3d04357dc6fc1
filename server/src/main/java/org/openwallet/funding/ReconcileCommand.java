package org.openwallet.funding;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.LocalDate;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./wallet reconcile [--date YYYY-MM-DD] [--url http://host:port]}: asks a running wallet to
 * reconcile a business day now (yesterday by default) and prints the run with its differences. It
 * calls the admin endpoint with the token in {@code WALLET_ADMIN_TOKEN} (the login of a user with the
 * admin role, granted by {@code ./wallet admin grant <handle> admin}).
 */
@Command(name = "reconcile", description = "Reconcile a business day with the bank now and print the differences.")
public final class ReconcileCommand implements Callable<Integer> {
    @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "The business day (default: yesterday).")
    LocalDate date;

    @Mixin
    AdminClient wallet;

    @Override
    public Integer call() {
        String body = date == null ? "{}" : "{\"date\":\"" + date + "\"}";
        return wallet.call(
                "reconcile",
                "/v1/admin/reconciliations",
                HttpRequest.newBuilder()
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)),
                Duration.ofMinutes(5),
                201);
    }
}
