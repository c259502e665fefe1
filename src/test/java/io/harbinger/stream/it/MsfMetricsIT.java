package io.harbinger.stream.it;

import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.FlinkSettings;
import io.harbinger.stream.HarbingerPipeline;
import io.harbinger.stream.config.JobConfig.MetricsGroup;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfigLoader;
import io.harbinger.stream.config.MsfPropertyGroups;
import io.harbinger.stream.records.Reason;
import io.harbinger.stream.registry.AvroWireEncoder;
import io.harbinger.stream.testing.JobMetrics;
import io.harbinger.stream.testing.MsfMetrics;
import io.harbinger.stream.testing.RecordingReporter.Registration;
import io.harbinger.stream.testing.RecordingReporter;
import io.harbinger.stream.toolkit.scenario.KinesisInput;
import io.harbinger.stream.toolkit.scenario.LocalPlatform;
import io.harbinger.stream.toolkit.scenario.PipelineScenario;

import com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.harbinger.stream.toolkit.scenario.KinesisInput.utf8;
import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The MSF metrics test: the real job graph with its Kinesis source on kinesis-local, once as on Managed Service
 * for Apache Flink (config from runtime property groups through {@link MsfPropertyGroups}, the Flink settings of
 * {@link HarbingerPipeline#pipelineConfiguration}, checkpointing and parallelism set from outside as the service
 * does) and once as on a cluster (a config file), each on a MiniCluster with a reporter that records every
 * metric's groups and variables.
 *
 * <p>What the service does with them is its documented rule, which no test here can run: it exports a metric when
 * it is registered under a group named {@code kinesisanalytics}, and the key-value groups below that group become
 * CloudWatch dimensions besides Application. On the MSF path every metric of {@link MsfMetrics#JOB} must be
 * registered directly under the operator's group as {@code kinesisanalytics[.key]} (no connector groups, no
 * per-shard keys in front of it), in the operators named there, with exactly the documented dimensions, and count
 * what the input holds; nothing of the job's may stay under {@code harbinger}. On the cluster path the same
 * metrics are under {@code harbinger}, with the scopes docs/metrics.md gives for the Kinesis source, and count the
 * same.
 */
class MsfMetricsIT {
    private static final long S = 1_000;
    private static final long MINUTE = 60 * S;
    private static final Path MSF_PROPERTIES = Path.of("src/test/resources/it-msf-kinesis-properties.json");

    @Test
    void onTheManagedServicePathTheJobsMetricsAreUnderKinesisanalyticsWithTheDocumentedDimensions() throws Exception {
        PipelineScenario scenario = PipelineScenario.create("msf_metrics", 1);
        KinesisInput in = new KinesisInput(KinesisInput.sharedKinesis(), scenario, 2);
        Map<String, String> env = scenario.environment();
        env.put("RAW_STREAM", in.stream);
        env.put("KINESIS_ENDPOINT", in.kinesis.endpoint());
        // The entry point's own path without --config, reading property groups the way the service hands them in.
        Map<String, Properties> groups = KinesisAnalyticsRuntime.getApplicationProperties(MSF_PROPERTIES.toString());
        JobConfig config = MsfPropertyGroups.load(new JobConfigLoader(env), groups, MSF_PROPERTIES.toString(),
                List.of());
        assertThat(config.metrics().group()).isEqualTo(MetricsGroup.KINESISANALYTICS);

        // What the service sets: checkpointing and parallelism; the job adds what it sets everywhere.
        Configuration flink = FlinkSettings.pipelineConfiguration(config);
        flink.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(500));
        flink.set(CoreOptions.DEFAULT_PARALLELISM, LocalPlatform.PARALLELISM);
        flink.addAll(RecordingReporter.configuration(scenario.name));
        StreamExecutionEnvironment envFlink = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        HarbingerPipeline.build(envFlink, config);
        JobClient job = envFlink.executeAsync(config.job().name());
        try {
            feed(in, scenario.name);
        } finally {
            job.cancel().get(1, TimeUnit.MINUTES);
        }

        List<Registration> all = RecordingReporter.of(scenario.name);
        for (MsfMetrics.JobMetric metric : MsfMetrics.JOB) {
            List<Registration> registered = named(all, metric.name());
            String expectedScope = metric.dimensions().isEmpty() ? "kinesisanalytics"
                    : "kinesisanalytics." + String.join(".", metric.dimensions());
            assertThat(registered).as(metric.name()).isNotEmpty().allSatisfy(r -> {
                assertThat(r.inOperator()).as(metric.name() + " in an operator").isTrue();
                assertThat(r.userScope()).as(metric.name() + " groups").isEqualTo(expectedScope);
                assertThat(r.userVariables().keySet()).as(metric.name() + " dimensions besides Application")
                        .containsExactlyElementsOf(metric.dimensions());
            });
            assertThat(registered).extracting(Registration::operatorName).as(metric.name() + " operators")
                    .containsOnlyElementsOf(metric.operators()).containsAll(metric.operators());
        }
        assertThat(all).as("nothing of the job's under harbinger on the MSF path")
                .noneMatch(r -> r.logicalScope().contains(".harbinger"));
        assertThat(all).as("the registry client's counts are a cluster's only")
                .noneMatch(r -> r.name().equals("registryRequests") || r.name().equals("registryCacheHits"));
        assertThat(named(all, MsfMetrics.DEAD_LETTERED.name())).extracting(r -> r.userVariables().get("reason"))
                .as("every reason but LATE, at 0 from the start, in each subtask")
                .hasSize(LocalPlatform.PARALLELISM * (Reason.values().length - 1)).doesNotContain(Reason.LATE.name());

        assertExpectedCounts(all);
    }

    @Test
    void onAClusterTheSameMetricsAreUnderHarbingerAsPrometheusNamesThem() throws Exception {
        PipelineScenario scenario = PipelineScenario.create("cluster_metrics", 1);
        KinesisInput in = new KinesisInput(KinesisInput.sharedKinesis(), scenario, 2);
        JobConfig config = in.config(List.of("validation.ignored-event-types=ELECTION"));
        assertThat(config.metrics().group()).isEqualTo(MetricsGroup.HARBINGER);

        JobClient job = scenario.start(config, null, RecordingReporter.configuration(scenario.name));
        try {
            feed(in, scenario.name);
        } finally {
            job.cancel().get(1, TimeUnit.MINUTES);
        }

        List<Registration> all = RecordingReporter.of(scenario.name);
        for (MsfMetrics.JobMetric metric : MsfMetrics.JOB) {
            List<Registration> registered = named(all, metric.name());
            assertThat(registered).as(metric.name()).isNotEmpty();
            boolean validation = metric.operators().equals(List.of("Split off dead letters"));
            // The Kinesis source's deserializers count per shard, in the connector's groups (docs/metrics.md).
            String expectedScope = (validation ? "KinesisConsumer.subtaskId.shardId.user.harbinger" : "harbinger")
                    + (metric.dimensions().isEmpty() ? "" : "." + String.join(".", metric.dimensions()));
            assertThat(registered).extracting(Registration::userScope).as(metric.name())
                    .containsOnly(expectedScope);
            // The Prometheus name on a Kafka-source cluster (JobMetrics) ends in the same groups and name.
            String prometheusTail = expectedScope.replace("KinesisConsumer.subtaskId.shardId.user.", "deserializer.")
                    .replace('.', '_') + "_" + metric.name();
            assertThat(metric.prometheus()).endsWith("operator_" + prometheusTail);
        }
        for (String clusterOnly : MsfMetrics.CLUSTER_ONLY) {
            assertThat(all).as(clusterOnly).anyMatch(r -> clusterOnly.endsWith("_harbinger_" + r.name()));
        }
        assertThat(all).as("nothing under kinesisanalytics on a cluster")
                .noneMatch(r -> r.logicalScope().contains("kinesisanalytics"));

        assertExpectedCounts(all);
    }

    /**
     * MetricsIT's input, on two shards: six quiet windows and a spike for UA/CONFLICT on shard 0 (an anomaly),
     * a duplicate, an ignored event type, records the job must dead-letter on both shards, an event that fires
     * the windows, then a late event. Waits until the job has counted all of it.
     */
    private static void feed(KinesisInput in, String run) {
        List<GeopoliticalEvent> events = new ArrayList<>();
        int id = 0;
        for (int window = 0; window < 6; window++) {
            for (int i = 0; i < 2; i++) {
                events.add(event("a" + id++, "UA", EventType.CONFLICT, 0.5, T0 + window * MINUTE + i * S));
            }
        }
        for (int i = 0; i < 12; i++) {
            events.add(event("a" + id++, "UA", EventType.CONFLICT, 0.5, T0 + 6 * MINUTE + i * S));
        }
        events.add(event("a0", "UA", EventType.CONFLICT, 0.5, T0));                                  // duplicate
        events.add(event("vote1", "FR", EventType.ELECTION, 0.2, T0 + 7 * MINUTE));                  // ignored
        events.add(event("bad1", "US", EventType.PROTEST, 1.5, T0 + 7 * MINUTE));                    // INVALID_SEVERITY
        events.add(event("bad2", "", EventType.PROTEST, 0.5, T0 + 7 * MINUTE));                      // INVALID_COUNTRY_CODE
        in.send(0, events.toArray(GeopoliticalEvent[]::new));
        in.sendRaw(1, "junk", utf8("hello"));                                                         // NOT_WIRE_FORMAT
        AvroWireEncoder<GeopoliticalEvent> unknownId = AvroWireEncoder.specific(GeopoliticalEvent.getClassSchema(), 9_999);
        for (int i = 0; i < 2; i++) {                                                                 // UNKNOWN_SCHEMA_ID
            in.sendRaw(1, "bad" + (3 + i), unknownId.encode(event("bad" + (3 + i), "US", EventType.PROTEST, 0.5, T0)));
        }
        in.send(0, event("u1", "US", EventType.PROTEST, 0.3, T0 + 8 * MINUTE));                     // fires windows 0..6
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            List<Registration> all = RecordingReporter.of(run);
            assertThat(sum(all, "windowsEmitted")).isGreaterThanOrEqualTo(7);
            assertThat(sum(all, "anomalies")).isGreaterThanOrEqualTo(1);
            assertThat(sum(all, "recordsIn")).isEqualTo(32);
        });
        in.send(0, event("late1", "UA", EventType.CONFLICT, 0.5, T0 + 5 * MINUTE));                 // past the lateness
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            List<Registration> all = RecordingReporter.of(run);
            assertThat(sum(all, "lateEvents")).isEqualTo(1);
            assertThat(sum(all, "upsertedRows")).isGreaterThanOrEqualTo(7 + 1);
        });
    }

    /** The same counts on either path: the counters moved, not what they count. */
    private static void assertExpectedCounts(List<Registration> all) {
        assertThat(sum(all, "recordsIn")).isEqualTo(33);
        assertThat(sum(all, "recordsValid")).isEqualTo(28);
        Map<String, Double> deadByReason = new TreeMap<>(named(all, "recordsDeadLettered").stream()
                .filter(r -> r.value() > 0)
                .collect(Collectors.groupingBy(r -> r.userVariables().get("reason"),
                        Collectors.summingDouble(Registration::value))));
        assertThat(deadByReason).isEqualTo(Map.of("NOT_WIRE_FORMAT", 1.0, "INVALID_SEVERITY", 1.0,
                "INVALID_COUNTRY_CODE", 1.0, "UNKNOWN_SCHEMA_ID", 2.0));
        assertThat(sum(all, "duplicatesDropped")).isEqualTo(1);
        assertThat(sum(all, "ignoredEvents")).isEqualTo(1);
        assertThat(sum(all, "windowsEmitted")).isEqualTo(7);
        assertThat(sum(all, "anomalies")).isEqualTo(1);
        assertThat(sum(all, "lateEvents")).isEqualTo(1);
        assertThat(sum(all, "upsertRetries")).isZero();
        // The event times are from 2024: the watermark lags the wall clock by more than a day.
        assertThat(named(all, "eventTimeLagMs").stream().mapToDouble(Registration::value).max().orElse(-1))
                .isGreaterThan(Duration.ofDays(1).toMillis());
        assertThat(JobMetrics.ALL).extracting(JobMetrics.Metric::name)
                .containsAll(MsfMetrics.JOB.stream().map(MsfMetrics.JobMetric::prometheus).toList());
    }

    private static List<Registration> named(List<Registration> all, String name) {
        return all.stream().filter(r -> r.name().equals(name)).toList();
    }

    /** Sum over every registration of a job metric (subtasks, shards, reasons). */
    private static double sum(List<Registration> all, String name) {
        return named(all, name).stream().mapToDouble(Registration::value).sum();
    }
}
