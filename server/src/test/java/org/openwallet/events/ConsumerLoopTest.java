package org.openwallet.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What a consumer keeps of a failure for health, which it does before it logs, backs off and goes on. */
class ConsumerLoopTest {
    @Test
    void describe_namesTheFailureAndItsRootCause_cutToTheBound() {
        IllegalStateException failure = new IllegalStateException(
                "outer", new RuntimeException("middle", new IllegalArgumentException("x".repeat(500))));

        String text = ConsumerLoop.describe(failure);

        assertThat(text)
                .startsWith("java.lang.IllegalStateException: outer <- java.lang.IllegalArgumentException: xxx")
                .endsWith("...");
        assertThat(text.length()).isLessThan(2 * (ConsumerLoop.MAX_ERROR_CHARS + 3) + 4);
        assertThat(ConsumerLoop.describe(new IllegalStateException("alone")))
                .isEqualTo("java.lang.IllegalStateException: alone");
    }

    /**
     * Causes can form a loop (a library that links two exceptions to each other). Walking it to its
     * end never returned, so the consumer hung there for good: before its log line, with health
     * showing the failure before, nothing restarted and nothing said why.
     */
    @Test
    void describe_ofCausesThatFormALoop_returns() {
        RuntimeException first = new RuntimeException("first");
        RuntimeException second = new RuntimeException("second", first);
        first.initCause(second);
        IllegalStateException failure = new IllegalStateException("outer", first);

        String text = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> ConsumerLoop.describe(failure));

        assertThat(text).startsWith("java.lang.IllegalStateException: outer <- java.lang.RuntimeException: ");
    }
}
