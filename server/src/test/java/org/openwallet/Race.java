package org.openwallet;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Runs racers on threads of their own and releases them together, once every one is ready, so
 * they contend for the same rows, keys or permits. Returns what each racer returned, in racer
 * order; the first racer that throws fails the race with its exception.
 */
public final class Race {
    private static final Duration LIMIT = Duration.ofMinutes(2);

    private Race() {}

    public static <T> List<T> run(int racers, IntFunction<Callable<T>> racer) throws Exception {
        CountDownLatch ready = new CountDownLatch(racers);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService executor = Executors.newFixedThreadPool(racers);
        try {
            List<Future<T>> running = new ArrayList<>(racers);
            for (int i = 0; i < racers; i++) {
                Callable<T> task = racer.apply(i);
                running.add(executor.submit(() -> {
                    ready.countDown();
                    go.await();
                    return task.call();
                }));
            }
            if (!ready.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("racers were not ready within " + LIMIT);
            }
            go.countDown();
            List<T> results = new ArrayList<>(racers);
            for (Future<T> result : running) {
                try {
                    results.add(result.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS));
                } catch (ExecutionException failure) {
                    throw failure.getCause() instanceof Exception cause ? cause : failure;
                }
            }
            return results;
        } finally {
            executor.shutdownNow();
        }
    }
}
