package org.openwallet.bank;

import java.time.Instant;

/**
 * One line per event on standard output, which the wallet that starts this program sends to a file.
 * No logging framework: the simulator's whole log is a handful of kinds of lines.
 */
final class Log {
    private Log() {}

    static void info(String message) {
        System.out.println(Instant.now() + " INFO  [" + Thread.currentThread().getName() + "] " + message);
    }

    static void warn(String message) {
        System.out.println(Instant.now() + " WARN  [" + Thread.currentThread().getName() + "] " + message);
    }

    static void error(String message, Throwable failure) {
        System.out.println(Instant.now() + " ERROR [" + Thread.currentThread().getName() + "] " + message);
        failure.printStackTrace(System.out);
    }
}
