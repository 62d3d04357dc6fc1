package org.openwallet;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * {@code ./wallet verify-ledger} as an operator runs it: {@code WalletApplication verify-ledger} in a
 * JVM of its own (it ends with System.exit) against the test's database, reading the exit code and
 * what it prints.
 */
class VerifyLedgerCommandTest extends WalletIntegrationTest {
    private static final long TIMEOUT_SECONDS = 120;

    @Autowired
    DataSource dataSource;

    record Run(int exitCode, String output) {}

    @Test
    void verifyLedger_onAConsistentLedger_printsWhatItCheckedAndExitsZero() throws Exception {
        Api.User user = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, user.id(), 12_34);

        Run run = verifyLedger();

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("verify-ledger: checked").contains("no differences");
    }

    @Test
    void verifyLedger_onABalanceThatDriftedFromItsPostings_namesTheAccountAndExitsOne() throws Exception {
        Api.User user = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, user.id(), 12_34);
        UUID wallet = ledger.walletOf(user.id(), "USD").orElseThrow();

        jdbc.sql("UPDATE ledger_accounts SET posted_minor = posted_minor + 1 WHERE id = ?")
                .param(wallet)
                .update();
        Run run;
        try {
            run = verifyLedger();
        } finally {
            jdbc.sql("UPDATE ledger_accounts SET posted_minor = posted_minor - 1 WHERE id = ?")
                    .param(wallet)
                    .update();
        }

        assertThat(run.exitCode()).as(run.output()).isEqualTo(1);
        assertThat(run.output()).contains("verify-ledger: checked").doesNotContain("no differences");
        assertThat(run.output()).contains(wallet.toString()).contains("balance differs from its postings");
    }

    private Run verifyLedger() throws IOException, InterruptedException {
        Path dataDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "verify-ledger-");
        Path output = dataDir.resolve("verify-ledger.out");
        ProcessBuilder builder = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "org.openwallet.WalletApplication",
                        "verify-ledger"))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(name -> name.startsWith("WALLET_"));
        environment.put("WALLET_DB_URL", ((HikariDataSource) dataSource).getJdbcUrl());
        environment.put("WALLET_DB_USER", "postgres");
        environment.put("WALLET_DB_PASSWORD", ((HikariDataSource) dataSource).getPassword());
        environment.put("WALLET_DATA_DIR", dataDir.toString());
        Process process = builder.start();
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError(
                        "verify-ledger did not finish within " + TIMEOUT_SECONDS + " s:\n" + read(output));
            }
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        String text = read(output);
        System.out.println("verify-ledger exited " + process.exitValue() + ":\n" + text);
        return new Run(process.exitValue(), text);
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
