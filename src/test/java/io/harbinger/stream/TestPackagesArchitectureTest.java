package io.harbinger.stream;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The dependency rules of the test code (README, "Layout"): the toolkit of real services is the bottom layer
 * that tests, the local run ({@code local}) and the benchmark build on, so it uses neither of them; the
 * test-only helpers ({@code testing}) do not use the local run either; and the test packages form no cycle.
 * Read from the compiled test classes only: a test's use of the main code it tests is no test dependency.
 */
class TestPackagesArchitectureTest {
    static final String ROOT = "io.harbinger.stream";
    static final String TOOLKIT = ROOT + ".toolkit..";
    static final String LOCAL_RUN = ROOT + ".local..";
    static final String TEST_HELPERS = ROOT + ".testing..";

    private static JavaClasses testClasses;

    @BeforeAll
    static void importTestClasses() {
        testClasses = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages(ROOT);
    }

    @Test
    void theToolkitUsesNeitherTheLocalRunNorTheTestHelpers() {
        noClasses().that().resideInAPackage(TOOLKIT)
                .should().dependOnClassesThat().resideInAnyPackage(LOCAL_RUN, TEST_HELPERS)
                .because("tests, the local run and the benchmark build on the toolkit, not the other way round")
                .check(testClasses);
    }

    @Test
    void theTestHelpersDoNotUseTheLocalRun() {
        noClasses().that().resideInAPackage(TEST_HELPERS)
                .should().dependOnClassesThat().resideInAPackage(LOCAL_RUN)
                .because("the local run is an application on top of the toolkit, not a library for tests")
                .check(testClasses);
    }

    @Test
    void testPackagesFormNoCycle() {
        // "io.harbinger.(**)": every package is a slice, io.harbinger.stream itself included
        slices().matching("io.harbinger.(**)").should().beFreeOfCycles().check(testClasses);
    }
}
