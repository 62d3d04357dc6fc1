package org.openwallet.funding;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * What the operator commands that call a running wallet's admin API share: the wallet's address
 * ({@code --url}, a picocli mixin) and the call itself, with the admin's access token from
 * {@code WALLET_ADMIN_TOKEN}, so they work the same against an embedded or a production wallet.
 */
final class AdminClient {
    @Option(
            names = "--url",
            paramLabel = "http://host:port",
            description = "The wallet to call (default: ${DEFAULT-VALUE}).",
            defaultValue = "http://127.0.0.1:${env:WALLET_PORT:-8080}")
    String url;

    /**
     * Sends {@code request} (its path relative to the wallet) and prints the answer; the exit status:
     * 0 when the wallet answered {@code expected}, 1 when it answered otherwise or could not be
     * reached, 2 without a token.
     */
    int call(String command, String path, HttpRequest.Builder request, Duration timeout, int expected) {
        String token = System.getenv("WALLET_ADMIN_TOKEN");
        if (token == null || token.isBlank()) {
            System.err.println(command + ": set WALLET_ADMIN_TOKEN to an admin's access token"
                    + " (log in as a user granted the role with ./wallet admin grant <handle> admin)");
            return 2;
        }
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            request.uri(URI.create(url + path))
                                    .timeout(timeout)
                                    .header("Authorization", "Bearer " + token)
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            System.out.println(response.body());
            return response.statusCode() == expected ? 0 : 1;
        } catch (IOException | InterruptedException failed) {
            System.err.println(command + ": cannot reach the wallet at " + url + ": " + failed);
            return 1;
        }
    }
}
