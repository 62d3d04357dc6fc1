package org.openwallet;

import org.openwallet.funding.ReconcileCommand;
import org.openwallet.identity.RolesCommand;
import org.openwallet.identity.TokensCommand;
import org.openwallet.ledger.LedgerVerifier;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The wallet server. {@code verify-ledger} as the first argument runs the ledger verification
 * against the configured database instead of serving, and exits non-zero on any difference. The
 * benchmarks ({@code ./wallet bench}, {@code bench-feed}, {@code bench-events}) are a program of their
 * own in the {@code bench/} module, which starts this application as a client would see it.
 */
@SpringBootApplication
public class WalletApplication {
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("verify-ledger")) {
            System.exit(verifyLedger(java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args.length > 0 && args[0].equals("admin")) {
            System.exit(admin(java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args.length > 0 && args[0].equals("tokens")) {
            System.exit(TokensCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args.length > 0 && args[0].equals("reconcile")) {
            System.exit(ReconcileCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args.length > 0 && args[0].equals("bank-events")) {
            System.exit(
                    org.openwallet.funding.BankEventsCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        SpringApplication.run(WalletApplication.class, args);
    }

    private static int verifyLedger(String[] args) {
        try (ConfigurableApplicationContext context = operatorContext(args)) {
            LedgerVerifier.Report report = context.getBean(LedgerVerifier.class).verify();
            System.out.println("verify-ledger: " + report.summary());
            report.problems().forEach(problem -> System.out.println("  " + problem));
            report.systemAccounts().forEach(account -> System.out.println("  system account " + account));
            return report.ok() ? 0 : 1;
        }
    }

    private static int admin(String[] args) {
        if (!RolesCommand.wellFormed(args)) {
            System.err.println(RolesCommand.USAGE);
            return 2;
        }
        try (ConfigurableApplicationContext context = operatorContext(new String[0])) {
            return RolesCommand.run(context, args);
        }
    }

    /** The wallet's database and services without serving or background work, for operator commands. */
    private static ConfigurableApplicationContext operatorContext(String[] args) {
        SpringApplication application = new SpringApplication(WalletApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        application.setAdditionalProfiles("verify");
        return application.run(args);
    }
}
