package org.openwallet;

import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.ClassDescriptor;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.ClassOrdererContext;
import org.junit.jupiter.api.Nested;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.test.context.BootstrapUtils;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * The suite's class order (set in {@code junit-platform.properties}): the classes that share a Spring
 * context run one after another, so each context is started once and closed as soon as its last
 * class is done ({@code spring.test.context.cache.maxSize=1} in {@code spring.properties}), instead of
 * idling in the context cache with its own PostgreSQL, Redis, Kafka broker and relay until the JVM
 * exits. Idle contexts cost CPU all through the run, and closing eight of them at exit took longer
 * than the 30 s Surefire waits for a fork to end (it then killed the fork).
 *
 * <p>Classes without a Spring context come first. The context most classes share (that of
 * {@link WalletIntegrationTest}) comes last, so that the jqwik engine, which runs after Jupiter, finds
 * it still open for {@code OpenApiFuzzTest}. Two classes have the same context exactly when their
 * {@link MergedContextConfiguration}s are equal: that is the context cache's key. A class whose
 * {@code @Nested} classes use several contexts is grouped by the one it shares with most other
 * classes, and runs after the classes that use that context only; its nested classes run in the same
 * order (shared context first), unless it orders them itself with {@code @TestClassOrder}.
 */
public final class ContextGroupsOrder implements ClassOrderer {
    /** How many top-level classes use each context, over the whole run (computed once, for the top level). */
    private static final Map<MergedContextConfiguration, Integer> CLASSES_PER_CONTEXT = new HashMap<>();

    @Override
    public void orderClasses(ClassOrdererContext context) {
        List<? extends ClassDescriptor> descriptors = context.getClassDescriptors();
        if (descriptors.isEmpty()) {
            return;
        }
        boolean topLevel = !descriptors.getFirst().isAnnotated(Nested.class);
        Map<ClassDescriptor, List<MergedContextConfiguration>> contexts = new LinkedHashMap<>();
        for (ClassDescriptor descriptor : descriptors) {
            contexts.put(descriptor, contextsOf(descriptor.getTestClass()));
        }
        if (!topLevel) {
            // Nested classes: the context shared most widely first, so it is still open when they start.
            descriptors.sort(Comparator.comparingInt(descriptor -> -widestUse(contexts.get(descriptor))));
            return;
        }
        synchronized (CLASSES_PER_CONTEXT) {
            CLASSES_PER_CONTEXT.clear();
            contexts.values()
                    .forEach(used ->
                            used.stream().distinct().forEach(key -> CLASSES_PER_CONTEXT.merge(key, 1, Integer::sum)));
        }
        // Groups in order of first appearance; the most shared context last.
        Map<MergedContextConfiguration, Integer> groupRank = new LinkedHashMap<>();
        Map<ClassDescriptor, MergedContextConfiguration> groupOf = new HashMap<>();
        for (ClassDescriptor descriptor : descriptors) {
            List<MergedContextConfiguration> used = contexts.get(descriptor);
            if (!used.isEmpty()) {
                MergedContextConfiguration group = used.stream()
                        .max(Comparator.comparingInt(ContextGroupsOrder::classesUsing))
                        .orElseThrow();
                groupOf.put(descriptor, group);
                groupRank.putIfAbsent(group, groupRank.size() + 1);
            }
        }
        MergedContextConfiguration mostShared = groupRank.keySet().stream()
                .max(Comparator.comparingInt(ContextGroupsOrder::classesUsing))
                .orElse(null);
        if (mostShared != null) {
            groupRank.put(mostShared, Integer.MAX_VALUE);
        }
        List<ClassDescriptor> original = new ArrayList<>(descriptors);
        descriptors.sort(Comparator.comparingInt((ClassDescriptor descriptor) ->
                        groupOf.containsKey(descriptor) ? groupRank.get(groupOf.get(descriptor)) : 0)
                .thenComparingInt(descriptor ->
                        (int) contexts.get(descriptor).stream().distinct().count())
                .thenComparingInt(original::indexOf));
    }

    private static int classesUsing(MergedContextConfiguration key) {
        synchronized (CLASSES_PER_CONTEXT) {
            return CLASSES_PER_CONTEXT.getOrDefault(key, 0);
        }
    }

    private static int widestUse(List<MergedContextConfiguration> used) {
        return used.stream().mapToInt(ContextGroupsOrder::classesUsing).max().orElse(0);
    }

    /** The contexts a class and its {@code @Nested} classes run in, in declaration order. */
    static List<MergedContextConfiguration> contextsOf(Class<?> testClass) {
        List<MergedContextConfiguration> found = new ArrayList<>();
        collect(testClass, found);
        return found;
    }

    private static void collect(Class<?> testClass, List<MergedContextConfiguration> found) {
        if (!Modifier.isAbstract(testClass.getModifiers())
                && AnnotatedElementUtils.hasAnnotation(testClass, SpringBootTest.class)) {
            found.add(BootstrapUtils.resolveTestContextBootstrapper(testClass).buildMergedContextConfiguration());
        }
        for (Class<?> member : testClass.getDeclaredClasses()) {
            if (member.isAnnotationPresent(Nested.class)) {
                collect(member, found);
            }
        }
        found.removeIf(Objects::isNull);
    }
}
