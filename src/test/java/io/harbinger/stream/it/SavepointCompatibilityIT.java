package io.harbinger.stream.it;

import io.harbinger.curated.SeverityAggregate;
import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.scenario.PipelineScenario;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.util.FileUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * Cross-version restore, the way Flink's own migration tests work: a savepoint taken by an earlier build of
 * this job (RocksDB, canonical format) is committed under src/test/resources/savepoints/VERSION, and every
 * later build must restore it and continue exactly where it stopped: open windows keep their events, the
 * anomaly baselines keep what they learned, the dedup state still knows its ids, and the source resumes at
 * its offsets.
 *
 * <p>To add a savepoint for a release: {@code mvn verify -Dit.test=SavepointCompatibilityIT
 * -Dsavepoint.generate=VERSION}, then commit the folder and add VERSION to {@link #SAVEPOINTS}.
 */
class SavepointCompatibilityIT {
    /** Savepoints of released builds that this build must restore. */
    static final List<String> SAVEPOINTS = List.of("0.1.0");
    /** Fixed, because the source state in the savepoint names its topic. */
    private static final String RAW_TOPIC = "savepoint_compat.raw";
    private static final long MINUTE = 60_000;
    private static final long PAST_OUT_OF_ORDERNESS = 2_000;

    /** Six windows of two events each, then one event of the seventh window that is open at the savepoint. */
    static List<GeopoliticalEvent> beforeSavepoint() {
        List<GeopoliticalEvent> events = new ArrayList<>();
        for (int window = 0; window < 6; window++) {
            for (int i = 0; i < 2; i++) {
                events.add(event("w" + window + "-" + i, "UA", EventType.CONFLICT, 0.5, T0 + window * MINUTE + i * 1_000));
            }
        }
        events.add(event("w6-0", "UA", EventType.CONFLICT, 0.5, T0 + 6 * MINUTE + PAST_OUT_OF_ORDERNESS));
        return events;
    }

    /** Eleven more events for the open window, a copy of one it already has, and one that closes it. */
    static List<GeopoliticalEvent> afterSavepoint() {
        List<GeopoliticalEvent> events = new ArrayList<>();
        for (int i = 1; i <= 11; i++) {
            events.add(event("w6-" + i, "UA", EventType.CONFLICT, 0.5, T0 + 6 * MINUTE + PAST_OUT_OF_ORDERNESS + i));
        }
        events.add(event("w6-0", "UA", EventType.CONFLICT, 0.5, T0 + 6 * MINUTE + PAST_OUT_OF_ORDERNESS));
        events.add(event("w7-0", "UA", EventType.CONFLICT, 0.5, T0 + 7 * MINUTE + PAST_OUT_OF_ORDERNESS));
        return events;
    }

    private static PipelineScenario scenario() throws Exception {
        return PipelineScenario.create("savepoint_compat", 1, RAW_TOPIC);
    }

    private static JobConfig config(PipelineScenario scenario) {
        // TTLs count processing time since the state was written, i.e. since the savepoint was generated: a
        // committed savepoint is older than any production TTL, so the restore must use long ones.
        return scenario.config(List.of("source.kafka.bounded=false", "sinks.kafka.transactional-id-prefix=savepoint-compat",
                "dedup.ttl=3650d", "anomaly.baseline-ttl=3650d",
                "anomaly.warm-up-windows=5", "anomaly.z-threshold=3", "anomaly.min-stddev-count=1"));
    }

    @Test
    void savepointsOfEarlierBuildsRestoreAndContinueExactly() throws Exception {
        PipelineScenario scenario = scenario();
        try (EventProducer in = scenario.producer()) {
            // The same records at the same offsets as when the savepoint was taken; the job resumes after them.
            beforeSavepoint().forEach(e -> in.send(0, e));
            afterSavepoint().forEach(e -> in.send(0, e));
            in.flush();
        }
        for (String version : SAVEPOINTS) {
            Path savepoint = Path.of("src/test/resources/savepoints", version);
            assertThat(savepoint.resolve("_metadata")).as("savepoint of %s", version).exists();

            JobClient job = scenario.start(config(scenario), savepoint);
            try {
                await().atMost(Duration.ofMinutes(1)).until(() -> !scenario.committedAlerts().isEmpty());
            } finally {
                job.cancel().get();
            }

            assertThat(scenario.committedAggregates()).as("continuation of %s", version)
                    .extracting(SeverityAggregate::getWindowStart, SeverityAggregate::getCount,
                            SeverityAggregate::getRevision)
                    .containsExactly(tuple(T0 + 6 * MINUTE, 12L, 0));
            assertThat(scenario.committedAlerts()).singleElement().satisfies(alert -> {
                assertThat(alert.getObserved()).isEqualTo(12.0);
                assertThat(alert.getBaselineMean()).isEqualTo(2.0);
                assertThat(alert.getBaselineWindows()).isEqualTo(6);
                assertThat(alert.getZScore()).isEqualTo(10.0);
            });
            assertThat(scenario.deadLetters()).isEmpty();
        }
    }

    @Test
    @EnabledIfSystemProperty(named = "savepoint.generate", matches = ".+")
    void generateSavepoint() throws Exception {
        String version = System.getProperty("savepoint.generate");
        PipelineScenario scenario = scenario();
        try (EventProducer in = scenario.producer()) {
            beforeSavepoint().forEach(e -> in.send(0, e));
            in.flush();
        }
        JobClient job = scenario.start(config(scenario), null);
        await().atMost(Duration.ofMinutes(1)).until(() -> scenario.committedAggregates().size() == 6);
        Path taken = Path.of(job.stopWithSavepoint(false, scenario.checkpointDir.resolve("savepoints").toUri()
                .toString(), SavepointFormatType.CANONICAL).get().replace("file:", ""));

        Path target = Path.of("src/test/resources/savepoints", version);
        FileUtils.deleteDirectory(target.toFile());
        Files.createDirectories(target.getParent());
        FileUtils.copy(new org.apache.flink.core.fs.Path(taken.toUri()),
                new org.apache.flink.core.fs.Path(target.toAbsolutePath().toUri()), false);
        assertThat(target.resolve("_metadata")).exists();
    }
}
