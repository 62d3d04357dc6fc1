package org.openwallet.funding;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

/**
 * {@code ./wallet bank-events dead-letters [--url URL]} lists the dead-lettered bank events;
 * {@code ./wallet bank-events redrive <id> [--url URL]} re-drives one. Like {@link ReconcileCommand}
 * it calls the running wallet's admin endpoints with the token in {@code WALLET_ADMIN_TOKEN}, so the
 * re-drive is the same exactly-once, audited action as through the API, recorded under that admin.
 */
public final class BankEventsCommand {
    static final String USAGE =
            "usage: bank-events dead-letters [--url http://host:port] | bank-events redrive <dead-letter id> [--url http://host:port]";

    private BankEventsCommand() {}

    public static int run(String[] args) {
        String url = "http://127.0.0.1:" + System.getenv().getOrDefault("WALLET_PORT", "8080");
        String action = args.length > 0 ? args[0] : "";
        UUID id = null;
        int i = 1;
        if (action.equals("redrive")) {
            try {
                id = UUID.fromString(args.length > 1 ? args[1] : "");
            } catch (IllegalArgumentException notAnId) {
                System.err.println("bank-events: redrive needs the id of a dead letter; " + USAGE);
                return 2;
            }
            i = 2;
        } else if (!action.equals("dead-letters")) {
            System.err.println("bank-events: " + USAGE);
            return 2;
        }
        for (; i < args.length; i++) {
            if (args[i].equals("--url") && i + 1 < args.length) {
                url = args[++i];
            } else {
                System.err.println("bank-events: unknown argument " + args[i] + "; " + USAGE);
                return 2;
            }
        }
        String token = System.getenv("WALLET_ADMIN_TOKEN");
        if (token == null || token.isBlank()) {
            System.err.println(
                    "bank-events: set WALLET_ADMIN_TOKEN to an admin's access token (log in as a user granted the role with ./wallet admin grant <handle> admin)");
            return 2;
        }
        HttpRequest.Builder request =
                HttpRequest.newBuilder().timeout(Duration.ofMinutes(1)).header("Authorization", "Bearer " + token);
        request = id == null
                ? request.uri(URI.create(url + "/v1/admin/bank-events/dead-letters?limit=100"))
                        .GET()
                : request.uri(URI.create(url + "/v1/admin/bank-events/dead-letters/" + id + "/redrive"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{}"));
        try {
            HttpResponse<String> response =
                    HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
            System.out.println(response.body());
            return response.statusCode() == 200 ? 0 : 1;
        } catch (IOException | InterruptedException failed) {
            System.err.println("bank-events: cannot reach the wallet at " + url + ": " + failed);
            return 1;
        }
    }
}
