package org.openwallet.events;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.openwallet.platform.database.Transactions;
import org.openwallet.platform.kafka.KafkaCluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * One handler's consumer: poll, apply each record exactly once in effect, commit, repeat.
 *
 * <p>It never dies on its own: a failure to apply one event is retried with backoff (or the event
 * dead-lettered, if it is poison; see {@link Failures}), and anything else that escapes, an
 * {@link Error} included (the dead-letter topic unreachable, a commit refused, a bug), closes the
 * Kafka consumer and starts a new one after a backoff that doubles up to {@link #MAX_RESTART}.
 * The new one resumes from the last committed offset, so nothing is skipped. Health shows the
 * consumer {@code restarting} meanwhile ({@link ConsumerHealth}).
 */
final class ConsumerLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ConsumerLoop.class);
    static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
    static final int MAX_POLL_RECORDS = 500;
    static final Duration FIRST_RETRY = Duration.ofMillis(100);
    static final Duration MAX_RETRY = Duration.ofSeconds(5);
    static final Duration FIRST_RESTART = Duration.ofSeconds(1);
    static final Duration MAX_RESTART = Duration.ofSeconds(30);
    static final Duration LAG_REFRESH = Duration.ofSeconds(5);
    /** Errors kept for health (the failure and its root cause) are cut to this length each: messages with SQL can be long. */
    static final int MAX_ERROR_CHARS = 300;

    private final EventHandler handler;
    private final KafkaCluster kafka;
    private final Transactions transactions;
    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final KafkaProducer<String, String> deadLetters;
    private final DeadLetters deadLetterStore;
    private final AtomicLong lag = new AtomicLong();
    private final AtomicLong restarts = new AtomicLong();
    /** Keys (or, in order, the one record) whose event is being retried right now. */
    private final AtomicInteger retrying = new AtomicInteger();

    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile boolean restarting;
    /**
     * Only the consumer's own thread uses these: the backoff before the next restart, and since when
     * the current Kafka consumer has been consuming. The backoff starts anew only after a consumer ran
     * for {@link #MAX_RESTART}: one that fails again right after its first poll keeps backing off.
     */
    private Duration restartBackoff = FIRST_RESTART;

    private Instant consumingSince;
    private volatile LastFailure lastFailure;
    private volatile KafkaConsumer<String, String> consumer;

    ConsumerLoop(
            EventHandler handler,
            KafkaCluster kafka,
            Transactions transactions,
            JdbcClient jdbc,
            JsonMapper json,
            KafkaProducer<String, String> deadLetters,
            DeadLetters deadLetterStore) {
        this.handler = handler;
        this.kafka = kafka;
        this.transactions = transactions;
        this.jdbc = jdbc;
        this.json = json;
        this.deadLetters = deadLetters;
        this.deadLetterStore = deadLetterStore;
    }

    long lag() {
        return lag.get();
    }

    long restarts() {
        return restarts.get();
    }

    String name() {
        return handler.name();
    }

    /** The last failure the consumer met, applying an event or running at all. */
    record LastFailure(String error, Instant at) {}

    /** How the consumer is doing, for health. */
    enum State {
        /** Consuming. */
        RUNNING,
        /** Retrying an event whose store is unavailable (or that failed unexpectedly); later events of its key wait. */
        RETRYING,
        /** Failed as a whole; a new Kafka consumer starts after a backoff. Nothing is consumed meanwhile. */
        RESTARTING,
        STOPPED
    }

    State state() {
        if (!running) {
            return State.STOPPED;
        }
        return restarting ? State.RESTARTING : retrying.get() > 0 ? State.RETRYING : State.RUNNING;
    }

    LastFailure lastFailure() {
        return lastFailure;
    }

    void stop() {
        running = false;
        stopped.countDown();
        KafkaConsumer<String, String> current = consumer;
        if (current != null) {
            current.wakeup();
        }
    }

    /** Consumes until stopped, starting a new Kafka consumer after a backoff whenever one fails. */
    @Override
    public void run() {
        while (running) {
            try {
                consume();
            } catch (Throwable failure) {
                // Errors too: a thread that dies leaves its partitions unconsumed with nothing to show for it.
                if (!running) {
                    break;
                }
                Instant since = consumingSince;
                if (since != null && Duration.between(since, Instant.now()).compareTo(MAX_RESTART) >= 0) {
                    // It had been consuming for a while: a new failure, not the same one again.
                    restartBackoff = FIRST_RESTART;
                }
                Duration backoff = restartBackoff;
                restarts.incrementAndGet();
                restarting = true;
                failed(failure);
                log.error("Consumer {} failed; it restarts in {}", handler.name(), backoff, failure);
                pause(backoff);
                restartBackoff = min(backoff.multipliedBy(2), MAX_RESTART);
            }
        }
    }

    /** One Kafka consumer's life: returns when stopping, throws when it failed. */
    private void consume() {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "wallet." + handler.name());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_POLL_RECORDS);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, String> kafkaConsumer =
                new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer = kafkaConsumer;
            consumingSince = null;
            if (!running) {
                return;
            }
            kafkaConsumer.subscribe(handler.topics());
            Instant nextLagRefresh = Instant.now();
            while (running) {
                ConsumerRecords<String, String> records = kafkaConsumer.poll(POLL_TIMEOUT);
                Map<TopicPartition, OffsetAndMetadata> done =
                        handler.parallelism() > 1 ? processByKey(records) : processInOrder(records);
                if (!done.isEmpty()) {
                    // Only after every effect of the batch is durable: a crash before this re-delivers, never skips.
                    kafkaConsumer.commitSync(done);
                }
                if (Instant.now().isAfter(nextLagRefresh)) {
                    refreshLag(kafkaConsumer);
                    nextLagRefresh = Instant.now().plus(LAG_REFRESH);
                }
                if (consumingSince == null) {
                    // A whole round went through: the consumer is consuming again.
                    consumingSince = Instant.now();
                    restarting = false;
                }
            }
        } catch (WakeupException stopping) {
            if (running) {
                throw stopping;
            }
        } finally {
            consumer = null;
        }
    }

    /** Applies the records one by one; returns the offsets to commit: up to the first record stopping interrupted. */
    private Map<TopicPartition, OffsetAndMetadata> processInOrder(ConsumerRecords<String, String> records) {
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            if (!process(record)) {
                break;
            }
            done.put(
                    new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
        }
        return done;
    }

    /**
     * Applies the records of different keys concurrently (at most {@link EventHandler#parallelism}
     * keys at once), each key's records in order. Returns the offsets to commit: all of the poll's,
     * or none if stopping interrupted any key (its records come again, and so may those of other keys
     * that were applied: such handlers are idempotent).
     */
    private Map<TopicPartition, OffsetAndMetadata> processByKey(ConsumerRecords<String, String> records) {
        Map<String, List<ConsumerRecord<String, String>>> byKey = new LinkedHashMap<>();
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            byKey.computeIfAbsent(record.topic() + "/" + record.key(), key -> new ArrayList<>())
                    .add(record);
            done.put(
                    new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
        }
        Semaphore slots = new Semaphore(handler.parallelism());
        List<Future<Boolean>> keys = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (List<ConsumerRecord<String, String>> sameKey : byKey.values()) {
                keys.add(executor.submit(() -> {
                    slots.acquire();
                    try {
                        for (ConsumerRecord<String, String> record : sameKey) {
                            if (!process(record)) {
                                return false;
                            }
                        }
                        return true;
                    } finally {
                        slots.release();
                    }
                }));
            }
        }
        for (Future<Boolean> key : keys) {
            try {
                if (!key.get()) {
                    return Map.of();
                }
            } catch (InterruptedException | ExecutionException failed) {
                // A failure escaping process() (the dead-letter topic unreachable, an Error) restarts the consumer, as
                // in order.
                throw new IllegalStateException(
                        "consumer " + handler.name() + " failed",
                        failed instanceof ExecutionException e ? e.getCause() : failed);
            }
        }
        return done;
    }

    /**
     * Applies or dead-letters the record; false only when stopping interrupted its retries (it stays
     * uncommitted). Only poison is dead-lettered; every other failure is retried with backoff for as
     * long as it lasts (an outage has no bound we could pick), until it succeeds or the consumer stops.
     */
    private boolean process(ConsumerRecord<String, String> record) {
        Event event;
        try {
            event = parse(record);
        } catch (RuntimeException malformed) {
            deadLetter(record, malformed);
            return true;
        }
        Duration backoff = FIRST_RETRY;
        int attempts = 0;
        try {
            while (running) {
                try {
                    boolean applied = handler.transactional()
                            ? transactions.run(() -> {
                                int fresh = jdbc.sql(
                                                "INSERT INTO processed_events (consumer, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING")
                                        .params(handler.name(), event.id())
                                        .update();
                                if (fresh == 1) {
                                    handler.apply(event);
                                }
                                return fresh == 1;
                            })
                            : applyIdempotent(event);
                    if (applied) {
                        afterCommit(event);
                    }
                    return true;
                } catch (RuntimeException failure) {
                    Failures.Kind kind = Failures.classify(failure);
                    if (kind == Failures.Kind.POISON) {
                        deadLetter(record, failure);
                        return true;
                    }
                    if (attempts++ == 0) {
                        retrying.incrementAndGet();
                    }
                    failed(failure);
                    if (kind == Failures.Kind.UNEXPECTED && attempts == 1) {
                        log.error(
                                "Consumer {} failed unexpectedly on event {}; it retries it (never dead-letters it) in {}",
                                handler.name(),
                                event.id(),
                                backoff,
                                failure);
                    } else {
                        log.warn(
                                "Consumer {} retries event {} in {} (attempt {}): {}",
                                handler.name(),
                                event.id(),
                                backoff,
                                attempts,
                                failure.toString());
                    }
                    pause(backoff);
                    backoff = min(backoff.multipliedBy(2), MAX_RETRY);
                }
            }
            return false;
        } finally {
            if (attempts > 0) {
                retrying.decrementAndGet();
            }
        }
    }

    private boolean applyIdempotent(Event event) {
        handler.apply(event);
        return true;
    }

    /**
     * Runs the handler's side effects. The effect is committed by now, so a failure here must neither
     * dead-letter the event nor retry it: a retry would find it applied and skip it anyway.
     */
    private void afterCommit(Event event) {
        try {
            handler.afterCommit(event);
        } catch (RuntimeException failure) {
            log.error(
                    "Consumer {} applied event {} but its after-commit step failed",
                    handler.name(),
                    event.id(),
                    failure);
        }
    }

    private Event parse(ConsumerRecord<String, String> record) {
        return parse(json, record.topic(), record.key(), record.value());
    }

    /** The event in a record's value; throws for anything that is not a complete envelope. Also used to re-drive a dead letter. */
    static Event parse(JsonMapper json, String topic, String key, String value) {
        return new Event(EventEnvelope.parse(json, value), topic, key);
    }

    /** The record goes to {@code <topic>.dlq} with what went wrong; the partition moves on. */
    private void deadLetter(ConsumerRecord<String, String> record, Throwable error) {
        log.error(
                "Consumer {} sends {}-{}@{} to the dead-letter topic: {}",
                handler.name(),
                record.topic(),
                record.partition(),
                record.offset(),
                error.toString());
        ProducerRecord<String, String> dead =
                new ProducerRecord<>(record.topic() + ".dlq", null, record.key(), record.value());
        record.headers().forEach(header -> dead.headers().add(header));
        dead.headers().add("dlq-consumer", bytes(handler.name()));
        dead.headers().add("dlq-error", bytes(String.valueOf(error)));
        dead.headers().add("dlq-original", bytes(record.topic() + "-" + record.partition() + "@" + record.offset()));
        try {
            deadLetters.send(dead).get();
        } catch (Exception notStored) {
            // Without a dead letter the record must not be skipped: stop here and let a restart retry it.
            throw new IllegalStateException("cannot write to " + record.topic() + ".dlq", notStored);
        }
        // Also in PostgreSQL, where admins list and re-drive dead letters (see DeadLetters). Failing
        // here stops the consumer like a failed write to the topic: a restart dead-letters the record
        // again, and both writes take a repeat in their stride (the table keeps one row per record).
        deadLetterStore.record(handler.name(), record, error);
    }

    private void refreshLag(KafkaConsumer<String, String> kafkaConsumer) {
        Set<TopicPartition> assigned = kafkaConsumer.assignment();
        if (assigned.isEmpty()) {
            lag.set(0);
            return;
        }
        long total = 0;
        for (Map.Entry<TopicPartition, Long> end :
                kafkaConsumer.endOffsets(assigned).entrySet()) {
            total += Math.max(0, end.getValue() - kafkaConsumer.position(end.getKey()));
        }
        lag.set(total);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Keeps the failure for health (see {@link #describe}). */
    private void failed(Throwable failure) {
        lastFailure = new LastFailure(describe(failure), Instant.now());
    }

    /** The failure and, when it wraps one, its root cause (which usually says what went wrong), each cut to {@link #MAX_ERROR_CHARS}. */
    static String describe(Throwable failure) {
        Throwable root = Failures.rootCause(failure);
        return cut(String.valueOf(failure)) + (root == failure ? "" : " <- " + cut(String.valueOf(root)));
    }

    private static String cut(String text) {
        return text.length() <= MAX_ERROR_CHARS ? text : text.substring(0, MAX_ERROR_CHARS) + "...";
    }

    /** Waits {@code duration}, or less if the consumer is stopped meanwhile. */
    private void pause(Duration duration) {
        try {
            stopped.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static Duration min(Duration one, Duration other) {
        return one.compareTo(other) <= 0 ? one : other;
    }
}
