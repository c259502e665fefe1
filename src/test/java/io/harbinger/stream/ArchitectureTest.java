package io.harbinger.stream;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The dependency rules of the job's packages (docs/architecture.md, "Packages"): each stage of the pipeline is
 * a package that uses only the shared packages (the record types that cross stages, the config, the registry
 * client), never another stage; the entry point wires the stages; the operator tools sit on top of everything
 * and nothing uses them. Read from the compiled classes of src/main.
 */
class ArchitectureTest {
    static final String ROOT = "io.harbinger.stream";
    /** The stages, in the order events flow through them. */
    static final List<String> STAGES = List.of("source", "validate", "dedup", "aggregate", "anomaly", "sink");
    /** What every stage may use. */
    static final List<String> SHARED = List.of("records", "config", "registry");
    static final String TOOLS = "tools";

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages(ROOT);
    }

    @Test
    void packagesFormNoCycle() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void stagesNeverUseEachOther() {
        for (String stage : STAGES) {
            List<String> others = new ArrayList<>();
            for (String other : STAGES) {
                if (!other.equals(stage)) {
                    others.add(ROOT + "." + other + "..");
                }
            }
            ArchRule rule = noClasses().that().resideInAPackage(ROOT + "." + stage + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(others.toArray(new String[0]))
                    .because("a stage takes records in and hands records on; the entry point wires stages");
            rule.check(classes);
        }
    }

    @Test
    void layersFromSharedTypesUpToTheTools() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("shared").definedBy(packages(SHARED))
                .layer("stages").definedBy(packages(STAGES))
                .layer("entry point").definedBy(ROOT)
                .layer("tools").definedBy(ROOT + "." + TOOLS + "..")
                .whereLayer("tools").mayNotBeAccessedByAnyLayer()
                .whereLayer("entry point").mayOnlyBeAccessedByLayers("tools")
                .whereLayer("stages").mayOnlyBeAccessedByLayers("entry point", "tools")
                .whereLayer("shared").mayOnlyBeAccessedByLayers("stages", "entry point", "tools")
                .check(classes);
    }

    @Test
    void everyPackageHasItsPlaceInTheRules() {
        List<String> known = new ArrayList<>(STAGES);
        known.addAll(SHARED);
        known.add(TOOLS);
        classes.stream().map(c -> c.getPackageName()).filter(p -> p.startsWith(ROOT + ".")).forEach(p -> {
            String top = p.substring(ROOT.length() + 1).split("\\.")[0];
            org.assertj.core.api.Assertions.assertThat(known).as("package %s is a stage, shared or a tool", p)
                    .contains(top);
        });
    }

    private static String[] packages(List<String> names) {
        return names.stream().map(n -> ROOT + "." + n + "..").toArray(String[]::new);
    }
}
