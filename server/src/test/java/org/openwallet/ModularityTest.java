package org.openwallet;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.modulith.core.ApplicationModules;
import org.springframework.modulith.docs.Documenter;

/**
 * One package per capability, no cycles, no reaching into another module's internals, and each
 * module using only the modules its {@code package-info.java} allows. The module documentation in
 * {@code docs/modules} is generated from the same model: this test fails when it is out of date,
 * and {@code -Dwallet.docs.update=true} writes it anew.
 */
class ModularityTest {
    /** The development servers and the bank simulator share the base package but are programs of their own, not modules. */
    private static final ApplicationModules MODULES = ApplicationModules.of(
            WalletApplication.class,
            JavaClass.Predicates.resideInAnyPackage(
                    "org.openwallet.bank..", "org.openwallet.cassandra..", "org.openwallet.devstack.."));

    private static final Path DOCS = Path.of("..", "docs", "modules");

    @Test
    void moduleBoundariesHold() {
        MODULES.verify();
    }

    @Test
    void theModuleDocumentationInDocsIsCurrent() throws IOException {
        Path generated = Path.of("target", "modulith-docs");
        new Documenter(MODULES, Documenter.Options.defaults().withOutputFolder(generated.toString()))
                .writeModulesAsPlantUml()
                .writeIndividualModulesAsPlantUml()
                .writeModuleCanvases();
        if (Boolean.getBoolean("wallet.docs.update")) {
            replace(DOCS, generated);
        }
        List<String> names = names(generated);
        assertThat(names(DOCS))
                .as("files in docs/modules (-Dwallet.docs.update=true writes them anew)")
                .isEqualTo(names);
        for (String name : names) {
            assertThat(Files.readString(DOCS.resolve(name)))
                    .as("docs/modules/" + name + " (-Dwallet.docs.update=true writes it anew)")
                    .isEqualTo(normalized(generated.resolve(name)));
        }
    }

    /** The Documenter writes a diagram's relations in no fixed order: they are sorted, in place. */
    private static String normalized(Path file) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        List<Integer> relations = IntStream.range(0, lines.size())
                .filter(i -> lines.get(i).startsWith("Rel("))
                .boxed()
                .toList();
        List<String> sorted = relations.stream().map(lines::get).sorted().toList();
        for (int i = 0; i < relations.size(); i++) {
            lines.set(relations.get(i), sorted.get(i));
        }
        return String.join("\n", lines) + "\n";
    }

    private static List<String> names(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }

    private static void replace(Path target, Path source) throws IOException {
        Files.createDirectories(target);
        for (String stale : names(target)) {
            Files.delete(target.resolve(stale));
        }
        for (String name : names(source)) {
            Files.writeString(target.resolve(name), normalized(source.resolve(name)));
        }
    }
}
