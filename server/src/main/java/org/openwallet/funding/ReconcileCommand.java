package org.openwallet.funding;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * {@code ./wallet reconcile [--date YYYY-MM-DD] [--url http://host:port]}: asks a running wallet to
 * reconcile a business day now (yesterday by default) and prints the run with its differences. It
 * calls the admin endpoint with the token in {@code WALLET_ADMIN_TOKEN} (the login of a user with the admin role, granted by
 * {@code ./wallet admin grant <handle> admin}), so it works the same against an embedded or a production wallet.
 */
public final class ReconcileCommand {
    private ReconcileCommand() {}

    public static int run(String[] args) {
        String date = null;
        String url = "http://127.0.0.1:" + System.getenv().getOrDefault("WALLET_PORT", "8080");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--date" -> date = i + 1 < args.length ? args[++i] : null;
                case "--url" -> url = i + 1 < args.length ? args[++i] : url;
                default -> {
                    System.err.println("reconcile: unknown argument " + args[i]
                            + "; usage: reconcile [--date YYYY-MM-DD] [--url http://host:port]");
                    return 2;
                }
            }
        }
        String token = System.getenv("WALLET_ADMIN_TOKEN");
        if (token == null || token.isBlank()) {
            System.err.println(
                    "reconcile: set WALLET_ADMIN_TOKEN to an admin's access token (log in as a user granted the role with ./wallet admin grant <handle> admin)");
            return 2;
        }
        String body = date == null ? "{}" : "{\"date\":\"" + date.replaceAll("[^0-9-]", "") + "\"}";
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(url + "/v1/admin/reconciliations"))
                                    .timeout(Duration.ofMinutes(5))
                                    .header("Authorization", "Bearer " + token)
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            System.out.println(response.body());
            return response.statusCode() == 201 ? 0 : 1;
        } catch (IOException | InterruptedException failed) {
            System.err.println("reconcile: cannot reach the wallet at " + url + ": " + failed);
            return 1;
        }
    }
}
