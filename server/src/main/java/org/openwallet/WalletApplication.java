package org.openwallet;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.ToIntFunction;
import org.openwallet.funding.BankEventsCommand;
import org.openwallet.funding.ReconcileCommand;
import org.openwallet.identity.Roles;
import org.openwallet.identity.RolesCommand;
import org.openwallet.identity.TokensCommand;
import org.openwallet.ledger.LedgerVerifier;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * The wallet server, and its operator commands: a first argument naming one of
 * {@link #commands()} ({@code verify-ledger}, {@code admin}, {@code tokens}, {@code reconcile},
 * {@code bank-events}) runs it, parsed by picocli, and exits with its status (2 for a malformed
 * command); anything else serves. The benchmarks ({@code ./wallet bench}, {@code bench-feed},
 * {@code bench-events}) are a program of their own in the {@code bench/} module.
 */
@SpringBootApplication
public class WalletApplication {
    public static void main(String[] args) {
        if (args.length > 0) {
            CommandLine commands = commands();
            if (commands.getSubcommands().containsKey(args[0])) {
                System.exit(commands.execute(args));
            }
        }
        SpringApplication.run(WalletApplication.class, args);
    }

    /** Every operator command, under one picocli command line. */
    static CommandLine commands() {
        return new CommandLine(new Operator())
                .addSubcommand(new VerifyLedger())
                .addSubcommand(new RolesCommand(WalletApplication::withRoles))
                .addSubcommand(new TokensCommand())
                .addSubcommand(new ReconcileCommand())
                .addSubcommand(new BankEventsCommand());
    }

    @Command(name = "wallet", description = "The wallet's operator commands.")
    static final class Operator {
        @Option(
                names = {"-h", "--help"},
                usageHelp = true,
                scope = CommandLine.ScopeType.INHERIT,
                description = "Show this help and exit.")
        boolean help;
    }

    /** Checks every balance against its postings and every transfer's postings sum; exits 1 on any difference. */
    @Command(
            name = "verify-ledger",
            description = "Check the ledger against the configured database; exit 1 on any difference.")
    static final class VerifyLedger implements Callable<Integer> {
        /** Spring arguments ({@code --wallet.database.url=...}), passed to the wallet's context. */
        @Unmatched
        List<String> springArgs = List.of();

        @Override
        public Integer call() {
            try (ConfigurableApplicationContext context = operatorContext(springArgs.toArray(String[]::new))) {
                LedgerVerifier.Report report =
                        context.getBean(LedgerVerifier.class).verify();
                System.out.println("verify-ledger: " + report.summary());
                report.problems().forEach(problem -> System.out.println("  " + problem));
                report.systemAccounts().forEach(account -> System.out.println("  system account " + account));
                return report.ok() ? 0 : 1;
            }
        }
    }

    private static int withRoles(ToIntFunction<Roles> work) {
        try (ConfigurableApplicationContext context = operatorContext(new String[0])) {
            return work.applyAsInt(context.getBean(Roles.class));
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
