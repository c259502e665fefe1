package io.harbinger.stream;

import io.harbinger.stream.testing.Kustomize;
import io.harbinger.stream.testing.PrometheusRules;
import io.harbinger.stream.toolkit.ManagedProcess;
import io.harbinger.stream.toolkit.WorkDirs;
import io.harbinger.stream.toolkit.services.DebianPackages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The alert rules of k8s/base/prometheusrule.yaml checked by Prometheus' own {@code promtool} (Debian package
 * {@code prometheus}, installed by the build when missing): {@code check rules} on the rule groups, and
 * {@code test rules} with the unit tests of {@link PrometheusRules#UNIT_TESTS}, which must test every alert
 * firing (with its labels and annotations) and staying quiet. Each alert's runbook link names a section of
 * docs/operations.md that exists.
 */
class PrometheusRulesTest {
    private static final Duration PROMTOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern RUNBOOK = Pattern.compile("docs/operations\\.md#([a-z0-9-]+)");

    private static Path promtool;
    private static ObjectNode rules;

    @BeforeAll
    static void setUp() throws Exception {
        promtool = DebianPackages.ensure("prometheus", "/usr/bin/promtool");
        rules = PrometheusRules.ruleFile();
    }

    @Test
    void promtoolAcceptsTheRules() throws Exception {
        Path dir = WorkDirs.create("harbinger-promtool-");
        Path file = PrometheusRules.write(rules, dir.resolve("rules.yaml"));
        promtool(dir, "check", "rules", file.toString());
    }

    @Test
    void theUnitTestsOfEveryAlertPass() throws Exception {
        promtool(unitTestDir(rules), "test", "rules", PrometheusRules.UNIT_TESTS.getFileName().toString());
    }

    @Test
    void aRuleThatChangesFailsItsUnitTests() throws Exception {
        ObjectNode changed = rules.deepCopy();
        for (ObjectNode alert : PrometheusRules.alerts(changed)) {
            if (alert.path("alert").asText().equals("HarbingerConsumerLagHigh")) {
                alert.put("expr", alert.path("expr").asText().replace("> 10000", "> 30000"));
            }
        }
        Path dir = unitTestDir(changed);
        assertThatThrownBy(() -> promtool(dir, "test", "rules", PrometheusRules.UNIT_TESTS.getFileName().toString()))
                .hasMessageContaining("FAILED").hasMessageContaining("HarbingerConsumerLagHigh");
    }

    @Test
    void everyAlertIsTestedFiringAndQuiet() throws Exception {
        Set<String> alerts = new TreeSet<>();
        PrometheusRules.alerts(rules).forEach(a -> alerts.add(a.path("alert").asText()));
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(17);

        Set<String> fires = new HashSet<>();
        Set<String> quiet = new HashSet<>();
        JsonNode tests = Kustomize.YAML.readTree(PrometheusRules.UNIT_TESTS.toFile());
        for (JsonNode test : tests.path("tests")) {
            for (JsonNode t : test.path("alert_rule_test")) {
                String name = t.path("alertname").asText();
                assertThat(alerts).as("a unit test names an alert that does not exist").contains(name);
                (t.path("exp_alerts").isEmpty() ? quiet : fires).add(name);
            }
        }
        assertThat(fires).as("alerts with a unit test where they fire").containsAll(alerts);
        assertThat(quiet).as("alerts with a unit test where they stay quiet").containsAll(alerts);
    }

    @Test
    void everyAlertHasSeverityTextAndARunbookSectionThatExists() throws Exception {
        Set<String> sections = new HashSet<>();
        for (String line : Files.readAllLines(Path.of("docs/operations.md"))) {
            if (line.startsWith("#")) {
                // GitHub's anchor of a heading
                sections.add(line.replaceFirst("^#+\\s*", "").toLowerCase()
                        .replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
            }
        }
        for (ObjectNode alert : PrometheusRules.alerts(rules)) {
            String name = alert.path("alert").asText();
            assertThat(alert.at("/labels/severity").asText()).as(name).isIn("warning", "critical");
            assertThat(alert.at("/annotations/summary").asText()).as(name).isNotBlank();
            assertThat(alert.at("/annotations/description").asText()).as(name).isNotBlank();
            Matcher runbook = RUNBOOK.matcher(alert.at("/annotations/runbook_url").asText());
            assertThat(runbook.matches()).as(name + " runbook_url").isTrue();
            assertThat(sections).as(name + " runbook section").contains(runbook.group(1));
            if (alert.path("expr").asText().contains("partition)")) {
                assertThat(alert.at("/annotations/summary").asText()).as(name)
                        .contains("{{ $labels.topic }}").contains("{{ $labels.partition }}");
            }
        }
    }

    /** A folder with the rule file as {@code rules.yaml} and a copy of the unit tests that load it. */
    private static Path unitTestDir(ObjectNode ruleFile) throws Exception {
        Path dir = WorkDirs.create("harbinger-promtool-");
        PrometheusRules.write(ruleFile, dir.resolve("rules.yaml"));
        Files.copy(PrometheusRules.UNIT_TESTS, dir.resolve(PrometheusRules.UNIT_TESTS.getFileName()));
        return dir;
    }

    private static void promtool(Path dir, String... arguments) {
        List<String> command = new java.util.ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(arguments));
        ManagedProcess.builder("promtool-" + arguments[0], command).workDir(dir).run(PROMTOOL_TIMEOUT);
    }
}
