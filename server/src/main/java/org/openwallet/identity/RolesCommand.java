package org.openwallet.identity;

import java.util.Locale;
import java.util.Optional;
import java.util.function.ToIntFunction;
import org.openwallet.audit.Actor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code ./wallet admin grant|revoke <handle> <role>} and {@code ./wallet admin list}: an operator
 * with access to the database gives or takes a role. It needs no admin to exist (that is how the
 * first one is made), and every change is in the audit log as done by {@code operator:<OS user>}.
 */
@Command(name = "admin", description = "Give or take a role (admin, support), or list who holds one.")
public final class RolesCommand {
    /**
     * Runs work against the wallet's {@link Roles}. The launcher opens the wallet's database only
     * then, after the arguments parsed, so a malformed command starts nothing.
     */
    @FunctionalInterface
    public interface Access {
        int with(ToIntFunction<Roles> work);
    }

    private final Access access;

    public RolesCommand(Access access) {
        this.access = access;
    }

    /** Runs {@code args}; returns the exit status: 2 for a malformed command, 1 for an unknown user. */
    public static int run(Access access, String... args) {
        return new CommandLine(new RolesCommand(access)).execute(args);
    }

    @Command(name = "list", description = "Print every role held, by whom granted and when.")
    int list() {
        return access.with(roles -> {
            roles.list().forEach(System.out::println);
            return 0;
        });
    }

    @Command(name = "grant", description = "Give <handle> the role <role>.")
    int grant(
            @Parameters(paramLabel = "<handle>") String handle,
            @Parameters(paramLabel = "<role>", converter = RoleName.class) Role role) {
        return access.with(roles -> report(handle, role, roles.grant(handle, role, operator())));
    }

    @Command(name = "revoke", description = "Take the role <role> from <handle>.")
    int revoke(
            @Parameters(paramLabel = "<handle>") String handle,
            @Parameters(paramLabel = "<role>", converter = RoleName.class) Role role) {
        return access.with(roles -> report(handle, role, roles.revoke(handle, role, operator())));
    }

    private static int report(String handle, Role role, Roles.Change change) {
        System.out.println("admin: " + handle + " " + role.value() + ": "
                + change.name().toLowerCase(Locale.ROOT).replace('_', ' '));
        return change == Roles.Change.NO_SUCH_USER ? 1 : 0;
    }

    private static Actor operator() {
        return Actor.operator(Optional.ofNullable(System.getenv("SUDO_USER")).orElse(System.getProperty("user.name")));
    }

    /** A role by its name: admin or support. */
    static final class RoleName implements ITypeConverter<Role> {
        @Override
        public Role convert(String value) {
            return Role.parse(value)
                    .orElseThrow(
                            () -> new TypeConversionException("unknown role " + value + " (roles: admin, support)"));
        }
    }
}
