package io.harbinger.stream.it;

import io.harbinger.curated.SeverityAggregate;
import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.HarbingerPipeline;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.sink.DeadLetterHeaders;
import io.harbinger.stream.tools.RetiredKafkaTransactions;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.scenario.PipelineScenario;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.util.FileUtils;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
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
    /** Savepoints of releases with one Kafka sink per topic, restored by the runbook's upgrade step. */
    static final Set<String> PER_TOPIC_KAFKA_SINKS = Set.of("0.1.0");
    private static final byte[] NOT_AVRO = "not avro".getBytes(StandardCharsets.UTF_8);
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
            in.sendRaw(0, null, NOT_AVRO); // the first record after the savepoint: a dead letter
            afterSavepoint().forEach(e -> in.send(0, e));
            in.flush();
        }
        for (String version : SAVEPOINTS) {
            Path savepoint = Path.of("src/test/resources/savepoints", version);
            assertThat(savepoint.resolve("_metadata")).as("savepoint of %s", version).exists();
            JobConfig config = config(scenario);
            Configuration restore = new Configuration();
            if (PER_TOPIC_KAFKA_SINKS.contains(version)) {
                restore = upgradeToOneKafkaSink(scenario, config, savepoint);
            }

            JobClient job = scenario.start(config, savepoint, restore);
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
            // committed in the same transaction as the alert, and not held back by a retired sink's transaction
            assertThat(scenario.deadLetters()).as("dead letters of %s", version).singleElement()
                    .satisfies(r -> {
                        assertThat(r.value()).containsExactly(NOT_AVRO);
                        assertThat(PipelineIT.header(r, DeadLetterHeaders.REASON)).isEqualTo("NOT_WIRE_FORMAT");
                    });
        }
    }

    /**
     * The runbook's upgrade from a release with one Kafka sink per topic (docs/operations.md, "Upgrading from
     * 0.1.0: one Kafka sink"): Flink refuses the savepoint as it is, naming a retired sink's state; the open
     * transactions under the retired sinks' ids are aborted ({@link RetiredKafkaTransactions}); the restore skips
     * the retired sinks' state ({@code --allowNonRestoredState}). A transaction a crashed 0.1.0 writer left open on
     * the dead-letter topic stands in for what a retired sink may leave: until it is aborted, no read_committed
     * consumer of that partition sees anything written after it.
     */
    private static Configuration upgradeToOneKafkaSink(PipelineScenario scenario, JobConfig config, Path savepoint)
            throws Exception {
        String lingering = config.kafkaSink().transactionalIdPrefix() + "-dead-letters-0-9";
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, scenario.services.kafka.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, lingering);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, String.valueOf(Duration.ofMinutes(30).toMillis()));
        KafkaProducer<byte[], byte[]> crashed = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        crashed.initTransactions();
        crashed.beginTransaction();
        crashed.send(new ProducerRecord<>(config.kafkaSink().deadLetterTopic(), "uncommitted".getBytes())).get();
        crashed.close(Duration.ZERO); // no abort on the way out, as in a crash

        Throwable refused = catchThrowable(() -> scenario.start(config, savepoint).getJobExecutionResult()
                .get(1, TimeUnit.MINUTES));
        // each sink is a writer (its uid) and a committer ("Sink Committer: " + uid, Flink's naming)
        List<String> retiredOperators = HarbingerPipeline.Uids.RETIRED_KAFKA_SINKS.stream()
                .flatMap(uid -> Stream.of(uid, "Sink Committer: " + uid))
                .map(uid -> OperatorIdentifier.forUid(uid).getOperatorId().toHexString()).toList();
        assertThat(refused).as("restore without skipping the retired sinks' state").isNotNull()
                .hasStackTraceContaining("allowNonRestoredState");
        assertThat(retiredOperators).as("the operator Flink cannot map is a retired Kafka sink: %s", refused)
                .anyMatch(id -> stackTrace(refused).contains(id));

        RetiredKafkaTransactions.Result aborted = RetiredKafkaTransactions.abortOpen(config.kafkaSink(), false);
        assertThat(aborted.open).containsExactly(lingering);
        // initTransactions aborted it and left the id with a new epoch and no transaction
        assertThat(scenario.services.kafka.transactionalIds(lingering)).containsEntry(lingering, TransactionState.EMPTY);

        Configuration restore = new Configuration();
        restore.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
        return restore;
    }

    private static String stackTrace(Throwable t) {
        java.io.StringWriter out = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(out));
        return out.toString();
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
