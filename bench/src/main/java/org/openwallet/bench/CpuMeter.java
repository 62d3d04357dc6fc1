package org.openwallet.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * CPU time used by each process of the run, read from {@code /proc} and, inside this JVM, per
 * thread: the wallet and the load generator share one JVM, and so does the embedded Kafka broker,
 * so their threads are told apart by name (the broker's) or by registration (the load's).
 *
 * <p>A process's CPU is its own user and system time plus that of its descendants, living ones
 * read directly and exited ones through their parent's {@code cutime}/{@code cstime}: PostgreSQL's
 * per-connection backends, whether they live through a measurement or not, count for PostgreSQL.
 * GC and JIT threads of this JVM count for the wallet, the larger part of their work.
 */
final class CpuMeter {
    static final String WALLET = "wallet JVM";
    static final String KAFKA = "Kafka broker";
    static final String POSTGRES = "PostgreSQL";
    static final String REDIS = "Redis";
    static final String CASSANDRA = "Cassandra";
    static final String BANK = "bank simulator";
    static final String LOAD = "load generator";
    /** The processes this JVM started and already reaped (pgbench, which runs and exits). */
    static final String EXITED_CHILDREN = "exited children";
    /** Everything the machine's CPUs did ({@code /proc/stat}): what is not one of the parts above was someone else's. */
    static final String MACHINE = "machine";

    /**
     * Threads of the embedded Kafka broker (KRaft: broker and controller in one node), by the names
     * Kafka 4 gives them: network and request handler threads, schedulers, log cleaner, Raft and the
     * quorum controller, group, share and transaction coordinators, purgatories and their reapers,
     * and the broker's metrics. The Kafka clients of the wallet (the relay's producers, Debezium's
     * offset log, the consumers: {@code kafka-producer-network-thread | ...} and the like) are the
     * wallet's work and do not match.
     */
    static final Pattern KAFKA_BROKER_THREAD = Pattern.compile(String.join(
            "|",
            "data-plane-kafka-.*",
            "kafka-scheduler-\\d+",
            "kafka-log-cleaner-thread-\\d+",
            "kafka-\\d+-(raft|metadata-loader|snapshot-generator)-.*",
            "quorum-controller-\\d+-.*",
            "(broker|controller)-\\d+-.*",
            "group-coordinator-.*",
            "executor-group-coordinator",
            "share-.*",
            "raft-expiration-reaper",
            "persister-state-manager-reaper",
            "PersisterStateManager",
            "network-partition-metadata-client-reaper",
            "client-metrics-reaper",
            "transaction-log-manager-\\d+",
            "TxnMarkerSenderThread-\\d+",
            "AddPartitionsToTxnSenderThread-\\d+",
            "ExpirationReaper-\\d+-.*",
            "executor-[A-Z][A-Za-z]*",
            "LogDirFailureHandler",
            "SensorExpiryThread",
            "metrics-meter-tick-thread-\\d+"));

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final com.sun.management.OperatingSystemMXBean system =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final Map<String, Long> processes = new LinkedHashMap<>();
    private final Set<Long> loadThreads = ConcurrentHashMap.newKeySet();
    private final Predicate<String> kafkaThread;

    /**
     * @param processes   named process ids outside this JVM whose CPU (with their descendants') to measure
     * @param kafkaThread whether a thread of this JVM, by name, belongs to the embedded Kafka broker
     */
    CpuMeter(Map<String, Long> processes, Predicate<String> kafkaThread) {
        this.processes.putAll(processes);
        this.kafkaThread = kafkaThread;
    }

    /** Counts the calling thread as the load generator's from now on. */
    void registerLoadThread() {
        loadThreads.add(Thread.currentThread().threadId());
    }

    /** Counts a thread of this JVM, by id, as the load generator's (e.g. an HTTP client's selector). */
    void registerLoadThread(long threadId) {
        loadThreads.add(threadId);
    }

    /** CPU nanoseconds used so far, by each part: this JVM split into wallet, broker and load; then each process. */
    Map<String, Long> sample() {
        long[] ids = threads.getAllThreadIds();
        long[] cpu = threads.getThreadCpuTime(ids);
        ThreadInfo[] infos = threads.getThreadInfo(ids);
        long kafka = 0;
        long load = 0;
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] == null || cpu[i] < 0) {
                continue;
            }
            if (loadThreads.contains(ids[i])) {
                load += cpu[i];
            } else if (kafkaThread.test(infos[i].getThreadName())) {
                kafka += cpu[i];
            }
        }
        Map<String, Long> sample = new LinkedHashMap<>();
        sample.put(WALLET, system.getProcessCpuTime() - kafka - load);
        sample.put(KAFKA, kafka);
        processes.forEach((name, pid) -> sample.put(name, processTreeNanos(pid)));
        sample.put(LOAD, load);
        sample.put(EXITED_CHILDREN, exitedChildrenNanos(ProcessHandle.current().pid()));
        sample.put(MACHINE, machineBusyNanos());
        return sample;
    }

    /**
     * What processes outside this run used between two samples: the machine's busy time less every
     * part's (the kernel's own work in interrupts counts here too). Far from zero means the figures
     * per transfer were measured on a shared machine.
     */
    static long others(Map<String, Long> used) {
        long parts = used.entrySet().stream()
                .filter(part -> !part.getKey().equals(MACHINE))
                .mapToLong(Map.Entry::getValue)
                .sum();
        return Math.max(0, used.getOrDefault(MACHINE, 0L) - parts);
    }

    /** The machine's busy time, all CPUs: user, nice, system, irq, softirq and steal of {@code /proc/stat}; 0 where there is none. */
    static long machineBusyNanos() {
        try (var lines = Files.lines(Path.of("/proc/stat"))) {
            return lines.findFirst().map(CpuMeter::parseMachineBusyTicks).orElse(0L) * NANOS_PER_TICK;
        } catch (IOException | RuntimeException unreadable) {
            return 0;
        }
    }

    /** Busy ticks of the {@code cpu} line of {@code /proc/stat}: every field but idle and iowait (guest time is already in user). */
    static long parseMachineBusyTicks(String cpuLine) {
        String[] fields = cpuLine.trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i <= Math.min(8, fields.length - 1); i++) {
            if (i != 4 && i != 5) {
                busy += Long.parseLong(fields[i]);
            }
        }
        return busy;
    }

    /** What each part used between two samples, in nanoseconds. */
    static Map<String, Long> between(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> used = new LinkedHashMap<>();
        after.forEach((name, nanos) -> used.put(name, Math.max(0, nanos - before.getOrDefault(name, 0L))));
        return used;
    }

    /** A process's CPU time and its descendants', living and exited; 0 once it is gone. */
    static long processTreeNanos(long pid) {
        long total = ownAndExitedChildrenNanos(pid);
        List<ProcessHandle> descendants = ProcessHandle.of(pid)
                .map(process -> process.descendants().toList())
                .orElse(List.of());
        for (ProcessHandle descendant : descendants) {
            total += ownAndExitedChildrenNanos(descendant.pid());
        }
        return total;
    }

    private static long ownAndExitedChildrenNanos(long pid) {
        long[] times = times(pid);
        return times == null ? 0 : (times[0] + times[1] + times[2] + times[3]) * NANOS_PER_TICK;
    }

    private static long exitedChildrenNanos(long pid) {
        long[] times = times(pid);
        return times == null ? 0 : (times[2] + times[3]) * NANOS_PER_TICK;
    }

    /**
     * Clock ticks of {@code /proc/<pid>/stat}: USER_HZ, which the Linux ABI fixes at 100 on every
     * architecture the wallet runs on (x86-64, arm64), whatever the kernel's own tick rate.
     */
    private static final long NANOS_PER_TICK = 10_000_000L;

    /** utime, stime, cutime, cstime in ticks, or null when the process is gone or this is not Linux. */
    static long[] times(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException gone) {
            return null;
        }
        return parseStat(stat);
    }

    /** The four CPU fields (14 to 17) of a {@code /proc/<pid>/stat} line; the command name may hold spaces and parentheses. */
    static long[] parseStat(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        return new long[] {
            Long.parseLong(fields[11]),
            Long.parseLong(fields[12]),
            Long.parseLong(fields[13]),
            Long.parseLong(fields[14])
        };
    }

    /** The process id in the first line of a PostgreSQL data directory's {@code postmaster.pid}. */
    static long postmasterPid(Path dataDirectory) throws IOException {
        String first = Files.readAllLines(dataDirectory.resolve("postmaster.pid"))
                .getFirst()
                .strip();
        return Long.parseLong(first);
    }
}
