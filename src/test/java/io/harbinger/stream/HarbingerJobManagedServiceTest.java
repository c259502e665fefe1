package io.harbinger.stream;

import io.harbinger.stream.config.ConfigException;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfig.KinesisRecordPublisher;
import io.harbinger.stream.config.JobConfig.SourceType;
import io.harbinger.stream.config.MsfPropertyGroups;
import io.harbinger.stream.toolkit.services.LocalSecretsManager;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The entry point's Managed Service for Apache Flink path, as {@code main} takes it without {@code --config}:
 * property groups read by the service's runtime library (here from a local JSON file with
 * {@code --msf-properties}, which {@code KinesisAnalyticsRuntime.getApplicationProperties(file)} reads like the
 * service's own), bound and checked by the same loader as a YAML file, then the same job graph. The database
 * credentials the shipped properties reference in Secrets Manager come from {@link LocalSecretsManager} on
 * 127.0.0.1, reached by the real SDK client through its standard endpoint override.
 */
class HarbingerJobManagedServiceTest {
    private static final String SHIPPED = "jobs-config/msf-application-properties.json";
    private static LocalSecretsManager secretsManager;

    @BeforeAll
    static void startLocalSecretsManager() throws Exception {
        secretsManager = LocalSecretsManager.startWithTheShippedMsfSecret();
    }

    @AfterAll
    static void stopLocalSecretsManager() {
        assertThat(secretsManager.refused()).isEmpty();
        secretsManager.close();
    }

    private static JobConfig load(String... args) throws Exception {
        return HarbingerJob.loadManagedService(HarbingerJob.Arguments.parse(args));
    }

    @Test
    void theShippedApplicationPropertiesBuildTheKinesisJobGraph() throws Exception {
        JobConfig config = load("--msf-properties", SHIPPED);

        assertThat(config.input().type()).isEqualTo(SourceType.KINESIS);
        assertThat(config.input().kinesis().recordPublisher()).isEqualTo(KinesisRecordPublisher.EFO);
        assertThat(config.window().size()).isEqualTo(Duration.ofMinutes(15));
        assertThat(config.checkpoints().directory()).isEqualTo(MsfPropertyGroups.MANAGED_CHECKPOINTS);
        assertThat(config.jdbcSink().password().reveal()).isEqualTo(LocalSecretsManager.SHIPPED_MSF_POSTGRES_PASSWORD);
        // The service exports only metrics under "kinesisanalytics" to CloudWatch: the job's own go there.
        assertThat(config.metrics().group()).isEqualTo(JobConfig.MetricsGroup.KINESISANALYTICS);

        // The service owns checkpointing and the state backend: the job leaves them alone there, and sets the
        // rest as on a cluster.
        Configuration flink = FlinkSettings.pipelineConfiguration(config);
        assertThat(flink.contains(StateBackendOptions.STATE_BACKEND)).isFalse();
        assertThat(flink.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isFalse();
        assertThat(flink.contains(CheckpointingOptions.CHECKPOINTING_INTERVAL)).isFalse();
        assertThat(flink.get(PipelineOptions.OBJECT_REUSE)).isTrue();
        assertThat(flink.get(PipelineOptions.GENERIC_TYPES)).isFalse();
        assertThat(flink.get(PipelineOptions.MAX_PARALLELISM)).isEqualTo(config.job().maxParallelism());

        assertThat(flink.contains(CoreOptions.DEFAULT_PARALLELISM)).as("the service owns parallelism").isFalse();

        // The service hands the job its Parallelism as parallelism.default; Flink's context environment lays the
        // program's configuration over the cluster's, so anything the job set would win. Nothing does.
        Configuration service = new Configuration();
        service.set(CoreOptions.DEFAULT_PARALLELISM, 6);
        Configuration merged = new Configuration(service);
        merged.addAll(flink);

        // The same graph as on a cluster, with the Kinesis source and its watermarks under their own uids.
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(merged);
        HarbingerPipeline.build(env, config);
        assertThat(env.getStreamGraph(false).getStreamNodes()).extracting(StreamNode::getParallelism)
                .as("every operator at the service's parallelism").containsOnly(6);
        assertThat(env.getStreamGraph().getStreamNodes()).extracting(StreamNode::getTransformationUID)
                .contains(HarbingerPipeline.Uids.KINESIS_SOURCE, HarbingerPipeline.Uids.KINESIS_WATERMARKS,
                        HarbingerPipeline.Uids.DEDUP, HarbingerPipeline.Uids.WINDOWS)
                .doesNotContain(HarbingerPipeline.Uids.SOURCE)
                .doesNotContainNull().doesNotHaveDuplicates();
    }

    @Test
    void overridesFromTheCommandLineApplyOnTopOfTheGroups() throws Exception {
        JobConfig config = load("--msf-properties", SHIPPED, "--set", "source.kinesis.record-publisher=polling");

        assertThat(config.input().kinesis().recordPublisher()).isEqualTo(KinesisRecordPublisher.POLLING);
    }

    @Test
    void aBadGroupOrKeyIsNamedWithTheFileTheGroupAndTheKey(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("application-properties.json");
        String shipped = Files.readString(Path.of(SHIPPED));
        Files.writeString(file, shipped
                .replace("\"region\": \"eu-west-1\"", "\"regoin\": \"eu-west-1\"")
                .replace("\"PropertyGroupId\": \"registry\"", "\"PropertyGroupId\": \"registy\""));

        assertThatThrownBy(() -> load("--msf-properties", file.toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("property group source.kinesis, key regoin: unknown key")
                .hasMessageContaining("property group source.kinesis, key region: is required")
                .hasMessageContaining("property group registy: unknown key (registy)");
    }

    @Test
    void aSecretTheRoleMayNotReadIsNamedWithTheFileTheGroupTheKeyAndTheReference(@TempDir Path dir) throws Exception {
        String denied = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:harbinger/postgres-admin-QrStUv";
        secretsManager.putString(denied, "{\"password\":\"admin-password-never-shown\"}").deny(denied);
        Path file = dir.resolve("application-properties.json");
        Files.writeString(file, Files.readString(Path.of(SHIPPED))
                .replace(LocalSecretsManager.SHIPPED_MSF_POSTGRES_SECRET + "#password", denied + "#password"));

        assertThatThrownBy(() -> load("--msf-properties", file.toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("property group sinks.jdbc, key password: Secrets Manager secret " + denied
                        + " (from ${secretsmanager:" + denied + "#password}) may not be read by the job's AWS"
                        + " credentials (AccessDeniedException: ")
                .hasMessageNotContaining("admin-password-never-shown");
    }

    @Test
    void aMissingPropertiesFileIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nope.json");
        assertThatThrownBy(() -> load("--msf-properties", missing.toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("file not found");
    }
}
