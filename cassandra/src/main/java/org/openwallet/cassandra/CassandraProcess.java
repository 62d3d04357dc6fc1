package org.openwallet.cassandra;

import java.io.IOException;
import java.io.InputStream;
import org.apache.cassandra.service.CassandraDaemon;

/**
 * The main class of the Cassandra node a wallet runs as its child process: Cassandra's own daemon,
 * tied to the life of the wallet that started it.
 *
 * <p>The wallet keeps this process's standard input open as a pipe and never writes to it. When the
 * wallet ends in any way, even by SIGKILL or an out-of-memory kill that runs no shutdown hook, the
 * kernel closes its end and the read here returns end of file. The node then exits through
 * {@link System#exit}, which runs Cassandra's shutdown hook (drains the commit log and flushes), so no
 * orphaned node keeps the data directory or its ports.
 */
public final class CassandraProcess {
    private CassandraProcess() {}

    public static void main(String[] args) {
        Thread parentWatch = new Thread(CassandraProcess::exitWhenParentIsGone, "wallet-parent-watch");
        parentWatch.setDaemon(true);
        parentWatch.start();
        CassandraDaemon.main(args);
    }

    private static void exitWhenParentIsGone() {
        byte[] ignored = new byte[64];
        try (InputStream parent = System.in) {
            while (parent.read(ignored) >= 0) {
                // The wallet writes nothing; anything that arrives is discarded.
            }
        } catch (IOException closed) {
            // A broken pipe means the same as end of file: the wallet is gone.
        }
        System.err.println("The wallet that started this Cassandra node is gone (its stdin pipe closed); exiting");
        System.exit(0);
    }
}
