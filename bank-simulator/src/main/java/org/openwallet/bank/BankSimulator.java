package org.openwallet.bank;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The bank network simulator: a stand-in for the bank (ACH) that the wallet's deposits and
 * withdrawals go through, on its own port, speaking the HTTP API of docs/bank-simulator.md.
 *
 * <p>Started by the wallet as a child process ({@code EmbeddedBankSimulator} in the server), or by
 * hand:
 * <pre>
 * java -cp "$(cat bank-simulator/target/classes/org/openwallet/bank/runtime.classpath)" \
 *     org.openwallet.bank.BankSimulator --port=8089 --secret-file=bank-webhook.secret \
 *     --webhook-url=http://127.0.0.1:8080/v1/funding/bank-webhooks --exit-on-stdin-eof=false
 * </pre>
 *
 * <p>It serves on 127.0.0.1 only: the admin endpoints change money outcomes and have no
 * authentication, so nothing but this machine may reach them.
 */
public final class BankSimulator implements AutoCloseable {
    /** The line printed on standard output once the bank listens; the port follows it. */
    public static final String LISTENING = "Bank simulator listening on http://127.0.0.1:";
    /** The webhook secret must be at least this many bytes (after base64 decoding): HMAC-SHA256's own output size. */
    static final int MIN_SECRET_BYTES = 32;

    private static final int HTTP_THREADS = 4;
    private static final int HTTP_QUEUE = 256;
    private static final int HTTP_BACKLOG = 128;

    /**
     * What the program is started with; each has a {@code --name=value} argument.
     *
     * @param port            the port to listen on, 0 for any free one
     * @param portFile        where the bound port is written (atomically) once the bank listens; optional
     * @param secretFile      the webhook signing secret: base64 of at least 32 random bytes, as the wallet's SecretKeys writes it
     * @param config          the initial behaviour (delay, mode, failure rate, webhook URL, ...)
     * @param seed            makes random outcomes and shuffles repeatable; null for a random seed
     * @param maxTransfers    how many transfers the bank keeps before it answers 503
     * @param exitOnStdinEof  exit when standard input reaches end of file, i.e. when the parent is gone
     */
    record Options(
            int port,
            Path portFile,
            Path secretFile,
            BankConfig config,
            Long seed,
            int maxTransfers,
            boolean exitOnStdinEof) {

        static final String USAGE = """
                Usage: java -cp <classpath> org.openwallet.bank.BankSimulator --secret-file=PATH [options]
                  --port=N                  port on 127.0.0.1 (default 0: any free port)
                  --port-file=PATH          write the bound port there once listening
                  --secret-file=PATH        webhook signing secret, base64 of >= 32 bytes (required)
                  --webhook-url=URL         where to POST webhooks (default: none, held until set via /admin/config)
                  --delay-millis=N          fixed delay from acceptance to outcome (default 2000)
                  --mode=fixed_delay|business_days   (default fixed_delay)
                  --failure-rate=X          fraction 0..1 of transfers failing at random (default 0)
                  --seed=N                  seed for random outcomes and shuffles
                  --max-transfers=N         transfers kept in memory before 503 (default 100000)
                  --exit-on-stdin-eof=BOOL  exit when stdin closes, i.e. the parent is gone (default true)
                """;

        /** Reads {@code --name=value} arguments; IllegalArgumentException with a message for anything wrong. */
        static Options parse(String[] args) {
            int port = 0;
            Path portFile = null;
            Path secretFile = null;
            Long seed = null;
            int maxTransfers = Bank.DEFAULT_MAX_TRANSFERS;
            boolean exitOnStdinEof = true;
            BankConfig config = BankConfig.defaults();
            for (String argument : args) {
                int equals = argument.indexOf('=');
                if (!argument.startsWith("--") || equals < 0) {
                    throw new IllegalArgumentException("Arguments are --name=value, not " + argument);
                }
                String name = argument.substring(2, equals);
                String value = argument.substring(equals + 1);
                try {
                    switch (name) {
                        case "port" -> port = Integer.parseInt(value);
                        case "port-file" -> portFile = Path.of(value);
                        case "secret-file" -> secretFile = Path.of(value);
                        case "webhook-url" -> config = config.with(Map.of("webhook_url", value));
                        case "delay-millis" -> config = config.with(Map.of("delay_millis", Long.parseLong(value)));
                        case "mode" -> config = config.with(Map.of("mode", value));
                        case "failure-rate" -> config = config.with(Map.of("failure_rate", Double.parseDouble(value)));
                        case "seed" -> seed = Long.parseLong(value);
                        case "max-transfers" -> maxTransfers = Integer.parseInt(value);
                        case "exit-on-stdin-eof" -> exitOnStdinEof = bool(value);
                        default -> throw new IllegalArgumentException("Unknown argument --" + name);
                    }
                } catch (NumberFormatException notANumber) {
                    throw new IllegalArgumentException("--" + name + " must be a number, not " + value);
                }
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("--port must be from 0 to 65535");
            }
            if (secretFile == null) {
                throw new IllegalArgumentException("--secret-file is required");
            }
            if (maxTransfers < 1) {
                throw new IllegalArgumentException("--max-transfers must be positive");
            }
            return new Options(port, portFile, secretFile, config, seed, maxTransfers, exitOnStdinEof);
        }

        private static boolean bool(String value) {
            return switch (value) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException("Expected true or false, not " + value);
            };
        }
    }

    private final HttpServer server;
    private final ThreadPoolExecutor httpThreads;
    private final Bank bank;
    private final Thread completer;
    private final WebhookDispatcher dispatcher;

    private BankSimulator(
            HttpServer server,
            ThreadPoolExecutor httpThreads,
            Bank bank,
            Thread completer,
            WebhookDispatcher dispatcher) {
        this.server = server;
        this.httpThreads = httpThreads;
        this.bank = bank;
        this.completer = completer;
        this.dispatcher = dispatcher;
    }

    /** Starts the bank: listening on 127.0.0.1 when this returns, its port written to the port file if one was given. */
    static BankSimulator start(Options options) throws IOException {
        byte[] secret = readSecret(options.secretFile());
        Random random = options.seed() == null ? new Random() : new Random(options.seed());
        AtomicReference<BankConfig> config = new AtomicReference<>(options.config());
        SimulatedClock clock = new SimulatedClock(InstantSource.system());
        WebhookDispatcher dispatcher =
                new WebhookDispatcher(config::get, secret, InstantSource.system(), new Random(random.nextLong()));
        Bank bank = new Bank(clock, config::get, new Random(random.nextLong()), dispatcher, options.maxTransfers());

        HttpServer server = HttpServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), options.port()), HTTP_BACKLOG);
        // A full queue makes the accepting thread serve the request itself: back-pressure, not an unbounded queue.
        ThreadPoolExecutor httpThreads = new ThreadPoolExecutor(
                HTTP_THREADS,
                HTTP_THREADS,
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(HTTP_QUEUE),
                Thread.ofPlatform().name("bank-http-", 1).factory(),
                new ThreadPoolExecutor.CallerRunsPolicy());
        server.setExecutor(httpThreads);
        server.createContext("/", new HttpApi(bank, dispatcher, config, clock));

        Thread completer = new Thread(bank::run, "bank-settlement");
        completer.setDaemon(true);
        dispatcher.start();
        completer.start();
        server.start();
        BankSimulator simulator = new BankSimulator(server, httpThreads, bank, completer, dispatcher);
        if (options.portFile() != null) {
            writePortFile(options.portFile(), simulator.port());
        }
        return simulator;
    }

    public static void main(String[] args) {
        // A thread that dies of a bug (the one completing transfers, the one sending webhooks) would leave a
        // bank that answers 202 and never settles anything. Better to exit: the wallet sees its bank gone.
        Thread.setDefaultUncaughtExceptionHandler((thread, failure) -> {
            Log.error("Thread " + thread.getName() + " failed; the bank simulator exits", failure);
            System.exit(70);
        });
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException invalid) {
            System.err.println(invalid.getMessage());
            System.err.print(Options.USAGE);
            System.exit(2);
            return;
        }
        BankSimulator simulator;
        try {
            simulator = start(options);
        } catch (IOException | IllegalArgumentException failure) {
            System.err.println("The bank simulator could not start: " + failure.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(simulator::close, "bank-shutdown"));
        Log.info(LISTENING + simulator.port() + " (pid "
                + ProcessHandle.current().pid() + "); configuration "
                + options.config().toJson());
        if (options.exitOnStdinEof()) {
            Thread parentWatch = new Thread(BankSimulator::exitWhenParentIsGone, "bank-parent-watch");
            parentWatch.setDaemon(true);
            parentWatch.start();
        }
    }

    /**
     * The wallet keeps this process's standard input open as a pipe and never writes to it. When the
     * wallet ends in any way, even by SIGKILL, the kernel closes its end and the read returns end of
     * file: the bank exits, so no orphan keeps the port or sends webhooks to a wallet that is gone.
     */
    private static void exitWhenParentIsGone() {
        byte[] ignored = new byte[64];
        try (InputStream parent = System.in) {
            while (parent.read(ignored) >= 0) {
                // The wallet writes nothing; anything that arrives is discarded.
            }
        } catch (IOException closed) {
            // A broken pipe means the same as end of file: the wallet is gone.
        }
        Log.info("Standard input closed (the process that started this bank is gone); exiting");
        System.exit(0);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        httpThreads.shutdownNow();
        bank.stop();
        completer.interrupt();
        dispatcher.close();
    }

    /** The HMAC key: the file holds its base64 (surrounding whitespace ignored), as the wallet's SecretKeys writes it. */
    static byte[] readSecret(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (IOException unreadable) {
            throw new IOException("Cannot read the webhook secret file " + file + ": " + unreadable, unreadable);
        }
        byte[] secret;
        try {
            secret = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException notBase64) {
            throw new IllegalArgumentException("The webhook secret file " + file + " must hold base64 text", notBase64);
        }
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("The webhook secret in " + file + " has " + secret.length
                    + " bytes; it needs at least " + MIN_SECRET_BYTES);
        }
        return secret;
    }

    private static void writePortFile(Path portFile, int port) throws IOException {
        Path absolute = portFile.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        Path temporary = Files.createTempFile(absolute.getParent(), ".port", ".tmp");
        Files.writeString(temporary, Integer.toString(port) + "\n", StandardCharsets.US_ASCII);
        // Atomic: the parent polls for this file and must never read it half-written.
        Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
