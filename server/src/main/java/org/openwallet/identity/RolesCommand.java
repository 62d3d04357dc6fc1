package org.openwallet.identity;

import java.util.Optional;
import org.openwallet.audit.Actor;
import org.springframework.context.ApplicationContext;

/**
 * {@code ./wallet admin grant|revoke <handle> <role>} and {@code ./wallet admin list}: an operator
 * with access to the database gives or takes a role. It needs no admin to exist (that is how the
 * first one is made), and every change is in the audit log as done by {@code operator:<OS user>}.
 */
public final class RolesCommand {
    public static final String USAGE =
            "usage: admin grant <handle> <role> | admin revoke <handle> <role> | admin list   (roles: admin, support)";

    private RolesCommand() {}

    /** Runs a {@link #wellFormed} command against the context's database; returns the exit status. */
    public static int run(ApplicationContext context, String[] args) {
        Roles roles = context.getBean(Roles.class);
        if (args[0].equals("list")) {
            roles.list().forEach(System.out::println);
            return 0;
        }
        Optional<Role> role = Role.parse(args[2]);
        if (role.isEmpty()) {
            System.err.println("admin: unknown role " + args[2] + "; " + USAGE);
            return 2;
        }
        String operator = Optional.ofNullable(System.getenv("SUDO_USER")).orElse(System.getProperty("user.name"));
        Roles.Change change = args[0].equals("grant")
                ? roles.grant(args[1], role.get(), Actor.operator(operator))
                : roles.revoke(args[1], role.get(), Actor.operator(operator));
        System.out.println("admin: " + args[1] + " " + role.get().value() + ": "
                + change.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
        return change == Roles.Change.NO_SUCH_USER ? 1 : 0;
    }

    /** Whether {@code args} could be a roles command, before any context is started. */
    public static boolean wellFormed(String[] args) {
        return (args.length == 1 && args[0].equals("list"))
                || (args.length == 3 && (args[0].equals("grant") || args[0].equals("revoke")));
    }
}
