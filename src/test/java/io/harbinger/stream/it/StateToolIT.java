package io.harbinger.stream.it;

import io.harbinger.curated.AnomalyAlert;
import io.harbinger.events.EventType;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.scenario.PipelineScenario;
import io.harbinger.stream.tools.KeyedBaseline;
import io.harbinger.stream.tools.StateTool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** The state tool on real savepoints: inspect what a job left, and bootstrap baselines so a job starts warm. */
class StateToolIT {
    private static final long MINUTE = 60_000;
    // The committed savepoint's state is older than the default TTLs, which count from when it was written.
    private static final String[] ANOMALY_SETTINGS = {"--set", "anomaly.warm-up-windows=5", "--set",
            "anomaly.z-threshold=3", "--set", "anomaly.min-stddev-count=1", "--set", "dedup.ttl=3650d", "--set",
            "anomaly.baseline-ttl=3650d"};

    @Test
    void bootstrappedBaselinesLetANewDeploymentAlertOnItsFirstWindow(@TempDir Path dir) throws Exception {
        PipelineScenario scenario = PipelineScenario.create("state_tool", 1);
        Path csv = dir.resolve("aggregates.csv");
        List<String> lines = new ArrayList<>(List.of("window_start,window_end,country_code,event_type,count,"
                + "severity_sum,severity_mean,severity_min,severity_max,severity_stddev,revision"));
        for (int w = 0; w < 6; w++) {
            lines.add(String.join(",", Instant.ofEpochMilli(T0 + w * MINUTE).toString(),
                    Instant.ofEpochMilli(T0 + (w + 1) * MINUTE).toString(), "UA", "CONFLICT", "2", "1", "0.5", "0.5",
                    "0.5", "0", "0"));
        }
        for (int w = 0; w < 3; w++) {
            lines.add(String.join(",", Instant.ofEpochMilli(T0 + w * MINUTE).toString(),
                    Instant.ofEpochMilli(T0 + (w + 1) * MINUTE).toString(), "FR", "PROTEST", "5", "2", "0.4", "0.2",
                    "0.6", "0.1", "1"));
        }
        Files.write(csv, lines);
        Path savepoint = dir.resolve("bootstrapped");

        int written = StateTool.bootstrap(options("bootstrap", "--aggregates-csv", csv.toString(), "--out",
                savepoint.toString()), scenario.environment());
        StateTool.Inspection inspection = StateTool.inspect(options("inspect", "--savepoint", savepoint.toString()),
                scenario.environment());

        assertThat(written).isEqualTo(2);
        assertThat(inspection.baselines()).extracting(k -> k.key, k -> k.baseline.windows, k -> k.baseline.count.mean,
                        k -> k.baseline.lastWindowEnd)
                .containsExactly(tuple("FR|PROTEST", 3, 5.0, T0 + 3 * MINUTE), tuple("UA|CONFLICT", 6, 2.0, T0 + 6 * MINUTE));
        assertThat(inspection.dedupIds()).isZero();
        assertThat(inspection.render()).contains("UA|CONFLICT").contains("anomaly baselines: 2 keys");

        try (EventProducer in = scenario.producer()) {
            for (int i = 0; i < 12; i++) {
                in.send(event("s" + i, "UA", EventType.CONFLICT, 0.5, T0 + 6 * MINUTE + i * 1_000));
            }
            in.flush();
        }
        scenario.start(scenario.config(List.of("anomaly.warm-up-windows=5", "anomaly.z-threshold=3",
                "anomaly.min-stddev-count=1")), savepoint).getJobExecutionResult().get();

        assertThat(scenario.committedAlerts()).extracting(AnomalyAlert::getObserved, AnomalyAlert::getBaselineMean,
                AnomalyAlert::getZScore, AnomalyAlert::getBaselineWindows).containsExactly(tuple(12.0, 2.0, 10.0, 6));
    }

    @Test
    void inspectReadsTheStateAJobLeftBehind() throws Exception {
        PipelineScenario scenario = PipelineScenario.create("state_inspect", 1);

        StateTool.Inspection inspection = StateTool.inspect(options("inspect", "--savepoint",
                Path.of("src/test/resources/savepoints/0.1.0").toAbsolutePath().toString()), scenario.environment());

        // SavepointCompatibilityIT.beforeSavepoint(): 13 events, six windows of UA|CONFLICT learned
        assertThat(inspection.dedupIds()).isEqualTo(13);
        assertThat(inspection.baselines()).singleElement().satisfies((KeyedBaseline k) -> {
            assertThat(k.key).isEqualTo("UA|CONFLICT");
            assertThat(k.baseline.windows).isEqualTo(6);
            assertThat(k.baseline.count.mean).isEqualTo(2.0);
        });
    }

    private static StateTool.Options options(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--config", PipelineScenario.CONFIG_FILE.toString()));
        all.addAll(List.of(ANOMALY_SETTINGS));
        return StateTool.Options.parse(all.toArray(String[]::new));
    }
}
