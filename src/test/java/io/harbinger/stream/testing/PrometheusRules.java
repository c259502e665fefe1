package io.harbinger.stream.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The alert rules shipped in k8s/base/prometheusrule.yaml as Prometheus itself reads them: the PrometheusRule's
 * {@code spec.groups} is the {@code groups} of a Prometheus rule file (prometheus-operator writes them so).
 */
public final class PrometheusRules {
    public static final Path MANIFEST = Path.of("k8s/base/prometheusrule.yaml");
    /** promtool unit tests of those rules; they load the rule file as {@code rules.yaml} next to them. */
    public static final Path UNIT_TESTS = Path.of("src/test/resources/prometheus/prometheusrule-tests.yaml");

    private PrometheusRules() {}

    /** A rule file holding the manifest's rule groups. */
    public static ObjectNode ruleFile() throws IOException {
        List<ObjectNode> docs = Kustomize.readAll(MANIFEST);
        if (docs.size() != 1 || !docs.get(0).path("kind").asText().equals("PrometheusRule")) {
            throw new IllegalStateException(MANIFEST + " must hold exactly one PrometheusRule");
        }
        ObjectNode file = Kustomize.YAML.createObjectNode();
        file.set("groups", docs.get(0).at("/spec/groups").deepCopy());
        return file;
    }

    /** The alerting rules of a rule file (every rule of every group that has {@code alert}). */
    public static List<ObjectNode> alerts(ObjectNode ruleFile) {
        List<ObjectNode> alerts = new ArrayList<>();
        for (JsonNode group : ruleFile.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.has("alert")) {
                    alerts.add((ObjectNode) rule);
                }
            }
        }
        return alerts;
    }

    public static Path write(ObjectNode ruleFile, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Kustomize.YAML.writeValue(file.toFile(), ruleFile);
        return file;
    }
}
