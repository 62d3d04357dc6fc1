package org.openwallet.devstack;

import java.nio.file.Path;

/** A stand-in for a wallet process, run as a child JVM by {@link EmbeddedPostgresTest} so it can be killed. */
public final class EmbeddedPostgresOwner {
    public static void main(String[] args) throws Exception {
        EmbeddedPostgres.start(Path.of(args[0]));
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
