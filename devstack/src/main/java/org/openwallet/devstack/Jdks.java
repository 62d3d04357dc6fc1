package org.openwallet.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Finding a JDK of one major version, by the rule the {@code wallet} launcher's
 * {@code find_cassandra_jdk} follows too (keep the two alike):
 * <ol>
 *   <li>A configured home must be that version, or the start is refused (no silent fallback).</li>
 *   <li>Otherwise the first directory, by name in byte order, of {@code WALLET_JVM_DIR} (default
 *       {@code /usr/lib/jvm}) whose {@code bin/java} is that version.</li>
 *   <li>A JDK's version is {@code JAVA_VERSION} in its {@code release} file, or what
 *       {@code bin/java -version} prints when it has none.</li>
 * </ol>
 */
final class Jdks {
    /** Where installed JDKs are looked for; {@code WALLET_JVM_DIR} exists so the "no JDK" path can be tested. */
    static final Path JVM_DIRECTORY = Path.of(System.getenv().getOrDefault("WALLET_JVM_DIR", "/usr/lib/jvm"));

    private Jdks() {}

    /**
     * The {@code java} binary of a JDK {@code major}: {@code configured} if given, else the first in
     * {@code jvmDirectory}.
     *
     * @param setting      how the configured home is set, for the message, e.g. {@code wallet.cassandra.java-home (WALLET_CASSANDRA_JAVA_HOME)}
     * @param whatNeedsIt  for the messages, e.g. {@code the embedded Cassandra 5.0}
     * @param advice       what to do when there is none, appended to the message
     */
    static Path java(Path configured, Path jvmDirectory, int major, String setting, String whatNeedsIt, String advice)
            throws IOException {
        if (configured != null) {
            Path java = configured.resolve("bin").resolve("java");
            int found = Files.isExecutable(java) ? majorVersion(configured) : 0;
            if (found != major) {
                throw new IOException(setting + " is " + configured + ", which is "
                        + (found == 0 ? "no JDK" : "Java " + found) + "; " + whatNeedsIt + " needs a JDK " + major);
            }
            return java;
        }
        List<Path> candidates = new ArrayList<>();
        if (Files.isDirectory(jvmDirectory)) {
            try (Stream<Path> entries = Files.list(jvmDirectory)) {
                entries.sorted(Comparator.comparing(Path::toString)).forEach(candidates::add);
            }
        }
        for (Path candidate : candidates) {
            if (Files.isExecutable(candidate.resolve("bin").resolve("java")) && majorVersion(candidate) == major) {
                return candidate.resolve("bin").resolve("java");
            }
        }
        throw new IOException(Character.toUpperCase(whatNeedsIt.charAt(0)) + whatNeedsIt.substring(1) + " needs a JDK "
                + major + " and there is none in " + jvmDirectory + "; " + advice);
    }

    /** The major version from the JDK's {@code release} file, or from {@code java -version} without one. */
    static int majorVersion(Path javaHome) throws IOException {
        Path release = javaHome.resolve("release");
        String version = null;
        if (Files.isRegularFile(release)) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(release, StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
            version = properties.getProperty("JAVA_VERSION");
        }
        if (version == null) {
            version = versionFromJava(javaHome.resolve("bin").resolve("java"));
        }
        return majorOf(version);
    }

    /** {@code "17.0.15"} or {@code 17.0.15} -> 17; {@code 1.8.0_392} -> 8; anything else -> 0. */
    static int majorOf(String version) {
        if (version == null) {
            return 0;
        }
        String text = version.strip().replace("\"", "");
        if (text.startsWith("1.")) {
            text = text.substring(2);
        }
        int end = 0;
        while (end < text.length() && Character.isDigit(text.charAt(end))) {
            end++;
        }
        return end == 0 ? 0 : Integer.parseInt(text.substring(0, end));
    }

    private static String versionFromJava(Path java) throws IOException {
        Process process = new ProcessBuilder(java.toString(), "-version")
                .redirectErrorStream(true)
                .start();
        try (InputStream output = process.getInputStream()) {
            String text = new String(output.readNBytes(4096), StandardCharsets.UTF_8);
            process.waitFor(30, TimeUnit.SECONDS);
            int quote = text.indexOf('"');
            return quote < 0 ? null : text.substring(quote + 1, Math.max(quote + 1, text.indexOf('"', quote + 1)));
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while running " + java + " -version", interrupted);
        } finally {
            process.destroyForcibly();
        }
    }

    /** The binary of the JVM running this wallet, for a child that runs on any Java 21+. */
    static String currentJava() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElseGet(() ->
                        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
