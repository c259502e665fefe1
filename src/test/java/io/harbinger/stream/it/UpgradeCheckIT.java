package io.harbinger.stream.it;

import io.harbinger.stream.HarbingerPipeline;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfigLoader;
import io.harbinger.stream.tools.CutOffEndpoints;
import io.harbinger.stream.testing.OperatorToolRun;
import io.harbinger.stream.toolkit.scenario.LocalPlatform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The upgrade gate against the committed savepoint of 0.1.0 and against snapshots taken here. No service is
 * started: the config names addresses where nothing listens, which proves that the gate reaches none of them.
 */
class UpgradeCheckIT {
    private static final String SAVEPOINT_0_1_0 = "src/test/resources/savepoints/0.1.0";
    private static final String LOCAL_YAML = "jobs-config/local.yaml";

    @TempDir
    Path work;

    /** The environment local.yaml reads: addresses of nothing. */
    private Map<String, String> environment() {
        return Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9", "SCHEMA_REGISTRY_URL", "http://127.0.0.1:9",
                "POSTGRES_JDBC_URL", "jdbc:postgresql://127.0.0.1:9/none", "POSTGRES_USER", "none",
                "POSTGRES_PASSWORD", "none", "CHECKPOINT_DIR", work.resolve("never-written").toUri().toString(),
                // and what the MSF property groups of the tests read
                "JOB_NAME", "upgrade-check", "KINESIS_ENDPOINT", "https://127.0.0.1:9", "RAW_STREAM", "raw",
                "RAW_TOPIC", "raw");
    }

    private OperatorToolRun run(String... args) {
        return OperatorToolRun.of(environment(), args);
    }

    private static List<String> args(String savepoint, String... more) {
        List<String> args = new ArrayList<>(List.of("upgrade-check", "--savepoint", savepoint, "--config", LOCAL_YAML));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void theReleasedSavepointNeedsAllowNonRestoredStateForItsRetiredKafkaSinksOnly() throws Exception {
        Path json = work.resolve("report.json");
        OperatorToolRun result = run(args(SAVEPOINT_0_1_0, "--json", json.toString()).toArray(String[]::new));

        // 0.1.0 wrote each topic with a sink of its own; this build has one (docs/operations.md).
        assertThat(result.exit).as(result.out + result.err).isEqualTo(1);
        assertThat(result.out).contains("REFUSED without allowNonRestoredState")
                .contains("needs allowNonRestoredState, which drops this state");
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertThat(report.get("checkpointed").asBoolean()).as("everything else restores and checkpoints").isTrue();
        List<String> leftBehind = new ArrayList<>();
        List<String> restored = new ArrayList<>();
        report.get("operators").forEach(o -> {
            assertThat(o.get("status").asText()).as(o.toString()).isIn("RESTORED", "NEW", "LEFT_BEHIND");
            if (o.get("status").asText().equals("RESTORED")) restored.add(o.get("uid").asText());
            if (o.get("status").asText().equals("LEFT_BEHIND")) {
                leftBehind.add(o.get("uid").asText());
                assertThat(o.get("needsAllowNonRestoredState").asBoolean()).isTrue();
                assertThat(o.get("state").asText()).containsAnyOf("writer_raw_states", "streaming_committer_raw_states");
            }
        });
        List<String> retired = new ArrayList<>();
        HarbingerPipeline.Uids.RETIRED_KAFKA_SINKS.forEach(uid -> retired.addAll(List.of(uid, "Sink Committer: " + uid)));
        assertThat(leftBehind).containsExactlyInAnyOrderElementsOf(retired);
        assertThat(restored).contains(HarbingerPipeline.Uids.SOURCE, HarbingerPipeline.Uids.DEDUP,
                HarbingerPipeline.Uids.WINDOWS, HarbingerPipeline.Uids.ANOMALY, HarbingerPipeline.Uids.RESTORE_GUARD);
    }

    @Test
    void aSavepointOfThisBuildIsSafeWithTheLocalConfig() throws Exception {
        Path savepoint = takeSavepoint(List.of());

        OperatorToolRun result = run(args(savepoint.toString()).toArray(String[]::new));

        assertThat(result.exit).as(result.out + result.err).isZero();
        assertThat(result.out).contains("SAFE").contains(HarbingerPipeline.Uids.DEDUP)
                .doesNotContain("left behind").doesNotContain("incompatible");
    }

    @Test
    void anotherWindowSizeIsRefusedByTheRestoreGuard() {
        OperatorToolRun result = run(args(SAVEPOINT_0_1_0, "--set", "window.size=2m", "--json", "-").toArray(String[]::new));

        assertThat(result.exit).as(result.out + result.err).isEqualTo(1);
        assertThat(result.out).contains("\"safe\" : false").contains("window.size");
        assertThat(operator(result.out, HarbingerPipeline.Uids.RESTORE_GUARD).get("status").asText())
                .isEqualTo("INCOMPATIBLE");
        assertThat(operator(result.out, HarbingerPipeline.Uids.RESTORE_GUARD).get("reason").asText())
                .contains("The savepoint holds windows of shape");
    }

    @Test
    void anotherMaxParallelismIsRefusedWithFlinksReason() {
        OperatorToolRun result = run(args(SAVEPOINT_0_1_0, "--set", "job.max-parallelism=256").toArray(String[]::new));

        assertThat(result.exit).as(result.out + result.err).isEqualTo(1);
        assertThat(result.out).contains("Max parallelism mismatch between checkpoint/savepoint state and new program")
                .contains("REFUSED");
        OperatorToolRun json = run(args(SAVEPOINT_0_1_0, "--set", "job.max-parallelism=256", "--json", "-")
                .toArray(String[]::new));
        for (String keyed : List.of(HarbingerPipeline.Uids.DEDUP, HarbingerPipeline.Uids.WINDOWS,
                HarbingerPipeline.Uids.ANOMALY)) {
            assertThat(operator(json.out, keyed).get("status").asText()).as(keyed).isEqualTo("INCOMPATIBLE");
            assertThat(operator(json.out, keyed).get("reason").asText()).contains("max parallelism 128")
                    .contains("job.max-parallelism is 256");
        }
    }

    @Test
    void anOperatorThatTheNewConfigDropsIsReportedLeftBehind() throws Exception {
        Path savepoint = takeSavepoint(List.of("validation.ignored-event-types=PROTEST"));

        OperatorToolRun result = run(args(savepoint.toString(), "--json", "-").toArray(String[]::new));

        JsonNode ignore = operator(result.out, HarbingerPipeline.Uids.IGNORE_EVENT_TYPES);
        assertThat(ignore.get("status").asText()).isEqualTo("LEFT_BEHIND");
        assertThat(ignore.get("holdsState").asBoolean()).isFalse();
        // Stateless: Flink skips it without allowNonRestoredState, so the upgrade is safe.
        assertThat(result.exit).as(result.out + result.err).isZero();
        OperatorToolRun human = run(args(savepoint.toString()).toArray(String[]::new));
        assertThat(human.out).contains("left behind").contains(HarbingerPipeline.Uids.IGNORE_EVENT_TYPES)
                .contains("holds no state");
    }

    @Test
    void theManagedServicePropertyGroupsAreAConfigToo() {
        // Property groups of an application that reads Kinesis: the 0.1.0 savepoint's Kafka source has no place.
        OperatorToolRun result = run("upgrade-check", "--savepoint", SAVEPOINT_0_1_0,
                "--msf-properties", "src/test/resources/it-msf-kinesis-properties.json", "--json", "-");

        assertThat(result.exit).as(result.out + result.err).isEqualTo(1);
        JsonNode kafka = operator(result.out, HarbingerPipeline.Uids.SOURCE);
        assertThat(kafka.get("status").asText()).isEqualTo("LEFT_BEHIND");
        assertThat(kafka.get("needsAllowNonRestoredState").asBoolean()).isTrue();
        assertThat(kafka.get("state").asText()).contains("SourceReaderState").contains("coordinator state");
        assertThat(operator(result.out, HarbingerPipeline.Uids.KINESIS_SOURCE).get("status").asText()).isEqualTo("NEW");
        for (String uid : List.of(HarbingerPipeline.Uids.DEDUP, HarbingerPipeline.Uids.RESTORE_GUARD,
                HarbingerPipeline.Uids.WINDOWS, HarbingerPipeline.Uids.ANOMALY)) {
            assertThat(operator(result.out, uid).get("status").asText()).as(uid).isEqualTo("RESTORED");
        }
        assertThat(json(result.out).get("checkpointed").asBoolean()).as("the rest restored and checkpointed").isTrue();
    }

    @Test
    void aMissingOrCorruptMetadataFileIsBadInput() throws Exception {
        Path empty = Files.createDirectories(work.resolve("empty"));
        OperatorToolRun missing = run(args(empty.toString()).toArray(String[]::new));
        assertThat(missing.exit).isEqualTo(2);
        assertThat(missing.err).contains("cannot read the snapshot at " + empty).contains("_metadata");

        Path corrupt = Files.createDirectories(work.resolve("corrupt"));
        Files.write(corrupt.resolve("_metadata"), "not a savepoint".getBytes(StandardCharsets.UTF_8));
        OperatorToolRun unreadable = run(args(corrupt.toString()).toArray(String[]::new));
        assertThat(unreadable.exit).isEqualTo(2);
        assertThat(unreadable.err).contains("cannot read the snapshot at " + corrupt);
        assertThat(unreadable.out).isEmpty();

        assertThat(run("upgrade-check", "--config", LOCAL_YAML).exit).isEqualTo(2);
    }

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not a JSON report: " + text, e);
        }
    }

    private static JsonNode operator(String json, String uid) {
        try {
            for (JsonNode o : new ObjectMapper().readTree(json).get("operators")) {
                if (uid.equals(o.path("uid").asText())) return o;
            }
        } catch (Exception e) {
            throw new AssertionError("not a JSON report: " + json, e);
        }
        throw new AssertionError("no operator " + uid + " in " + json);
    }

    /** A savepoint of this build's graph with the given overrides, sources and sinks cut off as in the gate. */
    private Path takeSavepoint(List<String> overrides) throws Exception {
        JobConfig config = new JobConfigLoader(environment()).load(Path.of(LOCAL_YAML), overrides);
        Configuration flink = LocalPlatform.flinkConfiguration(config, 1);
        flink.set(RestOptions.BIND_PORT, "0");
        // Restored from the released savepoint, so the source state is a real Kafka source's; the sinks cut off
        // have no committers, whose state is left out.
        flink.set(StateRecoveryOptions.SAVEPOINT_PATH, Path.of(SAVEPOINT_0_1_0).toAbsolutePath().toUri().toString());
        flink.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        HarbingerPipeline.build(env, config, new CutOffEndpoints());
        JobClient job = env.executeAsync("snapshot for the upgrade check");
        await().atMost(Duration.ofMinutes(1)).until(() -> job.getJobStatus().get() == JobStatus.RUNNING);
        String taken = null;
        for (int attempt = 0; taken == null; attempt++) {
            try {
                taken = job.stopWithSavepoint(false, work.resolve("savepoints").toUri().toString(),
                        SavepointFormatType.CANONICAL).get(1, TimeUnit.MINUTES);
            } catch (Exception tasksNotRunningYet) {
                if (attempt > 50) throw tasksNotRunningYet;
                Thread.sleep(200);
            }
        }
        return Path.of(java.net.URI.create(taken.startsWith("file:") ? taken : "file:" + taken));
    }
}
