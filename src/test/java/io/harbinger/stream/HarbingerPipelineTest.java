package io.harbinger.stream;

import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfigLoader;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.contrib.streaming.state.RocksDBConfigurableOptions;
import org.apache.flink.contrib.streaming.state.RocksDBNativeMetricOptions;
import org.apache.flink.contrib.streaming.state.RocksDBOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.api.transformations.SinkTransformation;
import org.assertj.core.util.introspection.PropertyOrFieldSupport;
import org.junit.jupiter.api.Test;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The job graph as the entry point builds it from a shipped config, without running it. */
class HarbingerPipelineTest {
    private static final Map<String, String> ENV = Map.of(
            "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092",
            "SCHEMA_REGISTRY_URL", "http://127.0.0.1:8081",
            "POSTGRES_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/postgres",
            "POSTGRES_USER", "postgres",
            "POSTGRES_PASSWORD", "pw",
            "CHECKPOINT_DIR", "file:///tmp/harbinger-checkpoints");

    private final JobConfig config = new JobConfigLoader(ENV).load(Path.of("jobs-config/local.yaml"), List.of());

    @Test
    void everyOperatorHasAStableUidAndNoTypeFallsBackToKryo() {
        // GENERIC_TYPES=false in the job's configuration makes building fail on any Kryo fallback.
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.flinkConfiguration(config));
        HarbingerPipeline.build(env, config);
        StreamGraph graph = env.getStreamGraph();

        assertThat(graph.getStreamNodes()).isNotEmpty();
        for (StreamNode node : graph.getStreamNodes()) {
            assertThat(node.getTransformationUID()).as("uid of %s", node.getOperatorName()).isNotBlank();
        }
        assertThat(graph.getStreamNodes()).extracting(StreamNode::getTransformationUID)
                .contains(HarbingerPipeline.Uids.SOURCE, HarbingerPipeline.Uids.DEDUP, HarbingerPipeline.Uids.WINDOWS,
                        HarbingerPipeline.Uids.ANOMALY, HarbingerPipeline.Uids.KAFKA_OUTPUTS)
                .doesNotHaveDuplicates()
                // one transactional Kafka sink for the four topics; the per-topic sinks of 0.1.0 are gone
                .noneMatch(uid -> HarbingerPipeline.Uids.RETIRED_KAFKA_SINKS.stream().anyMatch(uid::contains));
        assertThat(graph.getJobGraph().getNumberOfVertices()).isPositive();
    }

    @Test
    void theIgnoreEventTypesStageIsInTheGraphOnlyWhenConfiguredWithItsOwnUid() {
        assertThat(uids(config)).doesNotContain(HarbingerPipeline.Uids.IGNORE_EVENT_TYPES);

        JobConfig ignoring = new JobConfigLoader(ENV).load(Path.of("jobs-config/local.yaml"),
                List.of("validation.ignored-event-types=OTHER"));
        List<String> withStage = uids(ignoring);
        assertThat(withStage).contains(HarbingerPipeline.Uids.IGNORE_EVENT_TYPES).doesNotHaveDuplicates();
        // every other operator keeps its uid, so a savepoint taken without the stage restores with it
        assertThat(withStage).containsAll(uids(config));
    }

    private static List<String> uids(JobConfig c) {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.flinkConfiguration(c));
        HarbingerPipeline.build(env, c);
        return env.getStreamGraph().getStreamNodes().stream().map(StreamNode::getTransformationUID).toList();
    }

    @Test
    void checkpointingAndStateBackendComeFromTheConfig() {
        Configuration flink = FlinkSettings.flinkConfiguration(config);

        assertThat(flink.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(flink.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
        assertThat(flink.get(CheckpointingOptions.CHECKPOINTING_INTERVAL)).isEqualTo(Duration.ofSeconds(2));
        assertThat(flink.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isEqualTo("file:///tmp/harbinger-checkpoints");        assertThat(flink.contains(CoreOptions.DEFAULT_PARALLELISM)).as("the platform owns parallelism").isFalse();
    }

    @Test
    void deliveryChangesOnlyTheKafkaSinksGuaranteeNeverTheCheckpointingModeOrTheGraph() {
        JobConfig atLeastOnce = new JobConfigLoader(ENV).load(Path.of("jobs-config/local.yaml"),
                List.of("job.delivery=at-least-once"));
        assertThat(kafkaSinkGuarantee(config)).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        assertThat(kafkaSinkGuarantee(atLeastOnce)).isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        // State stays exactly-once in both modes: with AT_LEAST_ONCE checkpoints a window could count a replayed
        // event twice, and a failover would then repeat it with another value instead of the same record.
        for (JobConfig c : List.of(config, atLeastOnce)) {
            assertThat(FlinkSettings.flinkConfiguration(c).get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE))
                    .isEqualTo(CheckpointingMode.EXACTLY_ONCE);
        }
        // the same operators under the same uids: a savepoint of one mode restores in the other
        assertThat(uids(atLeastOnce)).containsExactlyInAnyOrderElementsOf(uids(config));
    }

    /** The guarantee of the one Kafka sink the pipeline builds for this config. */
    private static DeliveryGuarantee kafkaSinkGuarantee(JobConfig c) {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.flinkConfiguration(c));
        HarbingerPipeline.build(env, c);
        List<KafkaSink<?>> sinks = env.getTransformations().stream()
                .filter(t -> t instanceof SinkTransformation)
                .map(t -> ((SinkTransformation<?, ?>) t).getSink())
                .filter(sink -> sink instanceof KafkaSink)
                .<KafkaSink<?>>map(sink -> (KafkaSink<?>) sink)
                .toList();
        assertThat(sinks).as("Kafka sinks in the graph").hasSize(1);
        return (DeliveryGuarantee) PropertyOrFieldSupport.EXTRACTION.getValueOf("deliveryGuarantee", sinks.get(0));
    }

    @Test
    void rocksDbSettingsMapOntoFlinkOptionsAndAbsentOnesStayUnset() {
        JobConfig tuned = new JobConfigLoader(ENV).load(Path.of("jobs-config/local.yaml"), List.of(
                "state.rocksdb.bloom-filter=true", "state.rocksdb.write-buffer-size=128mb",
                "state.rocksdb.write-buffer-count=4", "state.rocksdb.compaction-style=universal",
                "state.rocksdb.compression=none", "state.rocksdb.native-metrics=true"));
        Configuration flink = FlinkSettings.flinkConfiguration(tuned);

        assertThat(flink.get(RocksDBConfigurableOptions.USE_BLOOM_FILTER)).isTrue();
        assertThat(flink.get(RocksDBConfigurableOptions.WRITE_BUFFER_SIZE)).isEqualTo(MemorySize.parse("128mb"));
        assertThat(flink.get(RocksDBConfigurableOptions.MAX_WRITE_BUFFER_NUMBER)).isEqualTo(4);
        assertThat(flink.get(RocksDBConfigurableOptions.COMPACTION_STYLE)).isEqualTo(CompactionStyle.UNIVERSAL);
        assertThat(flink.get(RocksDBConfigurableOptions.COMPRESSION_PER_LEVEL))
                .containsExactly(CompressionType.NO_COMPRESSION);
        assertThat(flink.get(RocksDBNativeMetricOptions.ESTIMATE_NUM_KEYS)).isTrue();
        assertThat(flink.contains(RocksDBOptions.FIX_PER_SLOT_MEMORY_SIZE)).isFalse();
        assertThat(flink.contains(RocksDBConfigurableOptions.BLOCK_CACHE_SIZE)).isFalse();

        Configuration untouched = new Configuration();
        FlinkSettings.rocksDbOptions(new JobConfigLoader(ENV).load(Path.of("jobs-config/local.yaml"), List.of(
                "state.rocksdb.bloom-filter=false")).rocksdb(), untouched);
        assertThat(untouched.keySet()).containsExactly(RocksDBConfigurableOptions.USE_BLOOM_FILTER.key());
    }

    @Test
    void entryPointArgumentsAreCheckedBeforeAnythingStarts() {
        assertThat(HarbingerJob.Arguments.parse(new String[] {"--config", "a.yaml", "--set", "window.size=5m"}))
                .isEqualTo(new HarbingerJob.Arguments(Path.of("a.yaml"), List.of("window.size=5m")));
        // No --config: Managed Service for Apache Flink property groups, or a local JSON file of them.
        assertThat(HarbingerJob.Arguments.parse(new String[0]))
                .isEqualTo(new HarbingerJob.Arguments(null, null, List.of()));
        assertThat(HarbingerJob.Arguments.parse(new String[] {"--msf-properties", "p.json", "--set", "a=b"}))
                .isEqualTo(new HarbingerJob.Arguments(null, Path.of("p.json"), List.of("a=b")));
        assertThatThrownBy(() -> HarbingerJob.Arguments.parse(
                new String[] {"--config", "a.yaml", "--msf-properties", "p.json"}))
                .hasMessageContaining("give --config or --msf-properties, not both");
        assertThatThrownBy(() -> HarbingerJob.Arguments.parse(new String[] {"--config"}))
                .hasMessageContaining("--config needs a value");
        assertThatThrownBy(() -> HarbingerJob.Arguments.parse(new String[] {"--confg", "x"}))
                .hasMessageContaining("unknown argument \"--confg\"");
    }
}
