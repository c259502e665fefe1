package io.harbinger.stream.registry;

import io.harbinger.stream.toolkit.services.LocalSchemaRegistry;
import io.harbinger.stream.toolkit.services.LocalSchemaRegistry.Compatibility;

import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.harbinger.stream.testing.AvroSchemas.parseFile;
import static io.harbinger.stream.testing.AvroSchemas.withField;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The registry compatibility modes the shipped schemas keep (docs/architecture.md, "Schema evolution"): every
 * version of a subject, oldest first, registers in the project's registry under that mode, and a change that
 * breaks the mode is refused. A new version of a schema in schemas/avro must join its history here.
 *
 * <ul>
 *   <li>Input {@code GeopoliticalEvent}: BACKWARD_TRANSITIVE. The job reads with the newest schema, so it must
 *       read data of every earlier producer: the design's schema, v1, v2. Not FORWARD: v1 readers cannot read
 *       v2's new enum symbol OTHER, which is why consumers (this job) upgrade before producers.</li>
 *   <li>Outputs {@code SeverityAggregate}, {@code AnomalyAlert}: FULL_TRANSITIVE. Downstream consumers upgrade
 *       on their own schedule: any consumer must read any version this job ever wrote, and the other way round.
 *       Only optional fields with defaults may be added.</li>
 * </ul>
 */
class ShippedSchemasCompatibilityTest {
    private static final Path SCHEMAS = Path.of("schemas/avro");
    private static final List<Schema> EVENT_HISTORY = List.of(
            parseFile("schemas/avro/history/GeopoliticalEvent.design.avsc"),
            parseFile("schemas/avro/history/GeopoliticalEvent.v1.avsc"),
            parseFile("schemas/avro/GeopoliticalEvent.avsc"));

    private LocalSchemaRegistry registry;

    @BeforeEach
    void start() {
        registry = LocalSchemaRegistry.start();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void theEventSchemasHistoryKeepsBackwardTransitive() {
        registry.setCompatibility("geopolitical-events-value", Compatibility.BACKWARD_TRANSITIVE);
        for (Schema version : EVENT_HISTORY) {
            registry.register("geopolitical-events-value", version);
        }
        Schema current = EVENT_HISTORY.get(EVENT_HISTORY.size() - 1);
        assertThatThrownBy(() -> registry.register("geopolitical-events-value",
                withField(current, "{\"name\":\"confidence\",\"type\":\"double\"}")))
                .as("a required field without a default").isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theEventSchemaIsNotForwardCompatibleSoConsumersUpgradeFirst() {
        registry.setCompatibility("geopolitical-events-value", Compatibility.FULL_TRANSITIVE);
        registry.register("geopolitical-events-value", EVENT_HISTORY.get(1));
        assertThatThrownBy(() -> registry.register("geopolitical-events-value", EVENT_HISTORY.get(2)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theOutputSchemasHistoriesKeepFullTransitive() throws Exception {
        for (String output : List.of("SeverityAggregate", "AnomalyAlert")) {
            String subject = output + "-value";
            registry.setCompatibility(subject, Compatibility.FULL_TRANSITIVE);
            List<Path> history = history(output);
            assertThat(history).as(output + " history").isNotEmpty();
            for (Path version : history) {
                registry.register(subject, parseFile(version.toString()));
            }
            Schema current = parseFile(SCHEMAS.resolve(output + ".avsc").toString());
            registry.register(subject, current);
            assertThatThrownBy(() -> registry.register(subject,
                    withField(current, "{\"name\":\"confidence\",\"type\":\"double\"}")))
                    .as(output + ": a required field breaks old consumers").isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** schemas/avro/history/NAME.vN.avsc, by N. */
    private static List<Path> history(String name) throws Exception {
        try (var files = Files.list(SCHEMAS.resolve("history"))) {
            return files.filter(p -> p.getFileName().toString().matches(name + "\\.v\\d+\\.avsc"))
                    .sorted((a, b) -> Integer.compare(version(a), version(b))).toList();
        }
    }

    private static int version(Path file) {
        String n = file.getFileName().toString();
        return Integer.parseInt(n.substring(n.lastIndexOf(".v") + 2, n.length() - ".avsc".length()));
    }
}
