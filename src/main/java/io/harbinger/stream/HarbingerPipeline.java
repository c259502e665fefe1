package io.harbinger.stream;

import io.harbinger.curated.AnomalyAlert;
import io.harbinger.curated.SeverityAggregate;
import io.harbinger.stream.aggregate.EventTimeStrategy;
import io.harbinger.stream.aggregate.MarkLate;
import io.harbinger.stream.aggregate.SeverityWindows;
import io.harbinger.stream.aggregate.TumblingWindowRule;
import io.harbinger.stream.aggregate.WindowKey;
import io.harbinger.stream.anomaly.AnomalyDetector;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfig.CheckpointSettings;
import io.harbinger.stream.config.JobConfig.Compression;
import io.harbinger.stream.config.JobConfig.RocksDbSettings;
import io.harbinger.stream.dedup.DropDuplicateEvents;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.sink.AvroRecordSerializer;
import io.harbinger.stream.sink.DeadLetterSerializer;
import io.harbinger.stream.sink.KafkaSinks;
import io.harbinger.stream.sink.PostgresUpsertSinks;
import io.harbinger.stream.source.KafkaEnvelopeDeserializer;
import io.harbinger.stream.source.KafkaEventSource;
import io.harbinger.stream.source.KinesisEnvelopeDeserializer;
import io.harbinger.stream.source.KinesisEventSource;
import io.harbinger.stream.source.PerShardWatermarks;
import io.harbinger.stream.validate.Envelope;
import io.harbinger.stream.validate.EventValidator;
import io.harbinger.stream.validate.IgnoreEventTypes;
import io.harbinger.stream.validate.SplitByValidity;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.contrib.streaming.state.RocksDBConfigurableOptions;
import org.apache.flink.contrib.streaming.state.RocksDBNativeMetricOptions;
import org.apache.flink.contrib.streaming.state.RocksDBOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.rocksdb.CompressionType;

import java.time.Clock;
import java.util.List;

/**
 * The job graph, top to bottom: source (decode and validate per record) -> split off dead letters -> (ignore
 * event types, when configured) -> drop duplicates -> pre-aggregate, then event-time windows per
 * (country_code, event_type) -> anomaly scoring -> Kafka (exactly-once) and PostgreSQL (idempotent upsert). Every operator has a stable uid, so savepoints survive upgrades.
 */
public final class HarbingerPipeline {
    /** Operator uids: part of the savepoint format. Never change one of a stateful operator. */
    public static final class Uids {
        public static final String SOURCE = "kafka-source";
        /** The Kinesis source keeps its shard sequence numbers under its own uid, never the Kafka source's. */
        public static final String KINESIS_SOURCE = "kinesis-source";
        public static final String KINESIS_WATERMARKS = "kinesis-shard-watermarks";
        public static final String SPLIT = "split-by-validity";
        public static final String DEAD_LETTER_SINK = "dead-letter-sink";
        /** Stateless, present only when validation.ignored-event-types is not empty. */
        public static final String IGNORE_EVENT_TYPES = "ignore-event-types";
        public static final String DEDUP = "dedup-by-event-id";
        public static final String RESTORE_GUARD = "restored-watermark-guard";
        /** Stateless: empties its buffers before every checkpoint barrier. */
        public static final String PRE_AGGREGATE = "pre-aggregate-windows";
        public static final String WINDOWS = "severity-windows";
        public static final String MARK_LATE = "mark-late";
        public static final String LATE_SINK = "late-events-sink";
        public static final String AGGREGATES_KAFKA = "aggregates-kafka-sink";
        public static final String AGGREGATES_POSTGRES = "aggregates-postgres-sink";
        public static final String ANOMALY = "anomaly-detector";
        public static final String ANOMALIES_KAFKA = "anomalies-kafka-sink";
        public static final String ANOMALIES_POSTGRES = "anomalies-postgres-sink";

        private Uids() {}
    }

    private HarbingerPipeline() {}

    /**
     * Flink settings that come from the job config on a cluster: {@link #pipelineConfiguration} plus the state
     * backend, checkpointing and RocksDB.
     */
    public static Configuration flinkConfiguration(JobConfig config) {
        CheckpointSettings cp = config.checkpoints();
        Configuration flink = pipelineConfiguration(config);
        flink.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        flink.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, cp.incremental());
        flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, cp.directory());
        cp.savepointDirectory().ifPresent(dir -> flink.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, dir));
        flink.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        flink.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, cp.interval());
        flink.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, cp.timeout());
        flink.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, cp.minPause());
        flink.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, cp.tolerableFailures());
        flink.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, cp.retainOnCancellation()
                ? ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION
                : ExternalizedCheckpointRetention.DELETE_ON_CANCELLATION);
        rocksDbOptions(config.rocksdb(), flink);
        return flink;
    }

    /**
     * What the job sets wherever it runs, also on Managed Service for Apache Flink, where the service owns
     * checkpointing and the state backend: name, type rules, object reuse and max parallelism. Never the
     * parallelism: that belongs to the platform (flink run -p, the cluster's parallelism.default, the
     * FlinkDeployment's spec.job.parallelism, Managed Service's Parallelism and its autoscaling).
     */
    public static Configuration pipelineConfiguration(JobConfig config) {
        Configuration flink = new Configuration();
        flink.set(PipelineOptions.NAME, config.job().name());
        // Every type must have a real serializer: a Kryo fallback is a bug, caught when the graph is built.
        flink.set(PipelineOptions.GENERIC_TYPES, false);
        // Chained operators hand records on without a defensive deep copy. Safe here: no operator keeps or
        // changes a record it has emitted or received, and the JDBC sink copies what it buffers itself.
        flink.set(PipelineOptions.OBJECT_REUSE, true);
        // Part of every savepoint's key-group layout: the same on every platform.
        flink.set(PipelineOptions.MAX_PARALLELISM, config.job().maxParallelism());
        return flink;
    }

    private static CompressionType compressionType(Compression compression) {
        switch (compression) {
            case NONE: return CompressionType.NO_COMPRESSION;
            case SNAPPY: return CompressionType.SNAPPY_COMPRESSION;
            case LZ4: return CompressionType.LZ4_COMPRESSION;
            default: throw new IllegalArgumentException("compression not covered: " + compression);
        }
    }

    /** state.rocksdb.* onto Flink's state.backend.rocksdb.* options; what is not set keeps Flink's default. */
    static void rocksDbOptions(RocksDbSettings r, Configuration flink) {
        r.predefinedOptions().ifPresent(p -> flink.set(RocksDBOptions.PREDEFINED_OPTIONS, p.name()));
        r.bloomFilter().ifPresent(b -> flink.set(RocksDBConfigurableOptions.USE_BLOOM_FILTER, b));
        r.bloomFilterBitsPerKey().ifPresent(b -> flink.set(RocksDBConfigurableOptions.BLOOM_FILTER_BITS_PER_KEY, b));
        r.writeBufferSize().ifPresent(s -> flink.set(RocksDBConfigurableOptions.WRITE_BUFFER_SIZE, s));
        r.writeBufferCount().ifPresent(n -> flink.set(RocksDBConfigurableOptions.MAX_WRITE_BUFFER_NUMBER, n));
        r.writeBufferRatio().ifPresent(x -> flink.set(RocksDBOptions.WRITE_BUFFER_RATIO, x));
        r.blockCacheSize().ifPresent(s -> flink.set(RocksDBConfigurableOptions.BLOCK_CACHE_SIZE, s));
        r.compactionStyle().ifPresent(c -> flink.set(RocksDBConfigurableOptions.COMPACTION_STYLE,
                org.rocksdb.CompactionStyle.valueOf(c.name())));
        r.compression().ifPresent(c -> flink.set(RocksDBConfigurableOptions.COMPRESSION_PER_LEVEL,
                List.of(compressionType(c))));
        r.backgroundThreads().ifPresent(n -> flink.set(RocksDBConfigurableOptions.MAX_BACKGROUND_THREADS, n));
        r.memoryPerSlot().ifPresent(s -> flink.set(RocksDBOptions.FIX_PER_SLOT_MEMORY_SIZE, s));
        if (r.nativeMetrics()) {
            // What tells whether state work is bound by flushes, compaction or reads that miss the memtable.
            for (var option : List.of(RocksDBNativeMetricOptions.ESTIMATE_NUM_KEYS,
                    RocksDBNativeMetricOptions.MONITOR_NUM_FILES_AT_LEVEL,
                    RocksDBNativeMetricOptions.MONITOR_TOTAL_SST_FILES_SIZE,
                    RocksDBNativeMetricOptions.MONITOR_CUR_SIZE_ALL_MEM_TABLE,
                    RocksDBNativeMetricOptions.ESTIMATE_PENDING_COMPACTION_BYTES,
                    RocksDBNativeMetricOptions.MONITOR_NUM_RUNNING_COMPACTIONS,
                    RocksDBNativeMetricOptions.MONITOR_BLOCK_CACHE_HIT,
                    RocksDBNativeMetricOptions.MONITOR_BLOCK_CACHE_MISS,
                    RocksDBNativeMetricOptions.MONITOR_BLOOM_FILTER_USEFUL,
                    RocksDBNativeMetricOptions.MONITOR_BYTES_READ,
                    RocksDBNativeMetricOptions.MONITOR_BYTES_WRITTEN,
                    RocksDBNativeMetricOptions.MONITOR_COMPACTION_READ_BYTES,
                    RocksDBNativeMetricOptions.MONITOR_COMPACTION_WRITE_BYTES,
                    RocksDBNativeMetricOptions.MONITOR_STALL_MICROS)) {
                flink.set(option, true);
            }
        }
    }

    public static void build(StreamExecutionEnvironment env, JobConfig config) {
        SchemaRegistryClient registry = new SchemaRegistryClient(config.registry());
        EventValidator rules = new EventValidator(config.validation(), Clock.systemUTC());
        var sinks = config.kafkaSink();

        DataStream<Envelope> decoded = config.input().type() == JobConfig.SourceType.KINESIS
                ? kinesisSource(env, config, registry, rules)
                : env.fromSource(KafkaEventSource.create(config.input().kafka(),
                                new KafkaEnvelopeDeserializer(registry, rules, config.validation().maxValueBytes(),
                                        config.metrics())),
                        EventTimeStrategy.forEvents(config.eventTime()), "Kafka source: raw events")
                .uid(Uids.SOURCE);

        SingleOutputStreamOperator<Envelope> valid = decoded
                .process(new SplitByValidity(config.metrics()))
                .uid(Uids.SPLIT).name("Split off dead letters");
        valid.getSideOutput(SplitByValidity.DEAD_LETTERS)
                .sinkTo(KafkaSinks.exactlyOnce(sinks, "dead-letters", new DeadLetterSerializer(sinks.deadLetterTopic())))
                .uid(Uids.DEAD_LETTER_SINK).name("Dead-letter topic");

        DataStream<Envelope> kept = valid;
        if (!config.validation().ignoredEventTypes().isEmpty()) {
            kept = valid
                    .filter(new IgnoreEventTypes(config.validation().ignoredEventTypes(), config.metrics()))
                    .uid(Uids.IGNORE_EVENT_TYPES).name("Ignore event types");
        }

        SingleOutputStreamOperator<Envelope> unique = kept
                .keyBy(envelope -> envelope.event.getEventId())
                .process(new DropDuplicateEvents(config.dedup().ttl(), config.metrics()))
                .uid(Uids.DEDUP).name("Drop duplicate event_ids");

        SeverityWindows.Stage windows = SeverityWindows.apply(unique, config.window(), config.metrics());
        windows.guard().uid(Uids.RESTORE_GUARD).name("Keep late events late across restores");
        windows.preAggregate().uid(Uids.PRE_AGGREGATE).name("Pre-aggregate per (country, type) window");
        SingleOutputStreamOperator<SeverityAggregate> aggregates = windows.aggregates()
                .uid(Uids.WINDOWS).name("Severity per (country, type) window");

        windows.lateEvents()
                .map(new MarkLate(new TumblingWindowRule(config.window()), config.metrics()))
                .uid(Uids.MARK_LATE).name("Mark late events")
                .sinkTo(KafkaSinks.exactlyOnce(sinks, "late-events", new DeadLetterSerializer(sinks.lateEventsTopic())))
                .uid(Uids.LATE_SINK).name("Late-events topic");

        aggregates
                .sinkTo(KafkaSinks.exactlyOnce(sinks, "aggregates", new AvroRecordSerializer<>(
                        sinks.aggregatesTopic(), SeverityAggregate.getClassSchema(), registry,
                        a -> WindowKey.of(a.getCountryCode(), a.getEventType()) + "|" + a.getWindowStart())))
                .uid(Uids.AGGREGATES_KAFKA).name("Aggregates topic");
        aggregates
                .sinkTo(PostgresUpsertSinks.aggregates(config.jdbcSink(), config.metrics()))
                .uid(Uids.AGGREGATES_POSTGRES).name("Aggregates table (upsert)");

        SingleOutputStreamOperator<AnomalyAlert> alerts = aggregates
                .keyBy(a -> WindowKey.of(a.getCountryCode(), a.getEventType()))
                .process(new AnomalyDetector(config.anomaly(), config.metrics()))
                .uid(Uids.ANOMALY).name("Score against baseline");
        alerts
                .sinkTo(KafkaSinks.exactlyOnce(sinks, "anomalies", new AvroRecordSerializer<>(
                        sinks.anomaliesTopic(), AnomalyAlert.getClassSchema(), registry, AnomalyAlert::getAlertId)))
                .uid(Uids.ANOMALIES_KAFKA).name("Anomalies topic");
        alerts
                .sinkTo(PostgresUpsertSinks.anomalies(config.jdbcSink(), config.metrics()))
                .uid(Uids.ANOMALIES_POSTGRES).name("Anomalies table (upsert)");
    }

    /** Kinesis: FlinkKinesisConsumer decodes and validates in the source; watermarks are kept per shard. */
    private static DataStream<Envelope> kinesisSource(StreamExecutionEnvironment env, JobConfig config,
                                                      SchemaRegistryClient registry, EventValidator rules) {
        return env
                .addSource(KinesisEventSource.create(config.input().kinesis(),
                        new KinesisEnvelopeDeserializer(registry, rules, config.validation().maxValueBytes(),
                                config.metrics())),
                        "Kinesis source: raw events")
                .uid(Uids.KINESIS_SOURCE)
                .transform("Per-shard watermarks", TypeInformation.of(Envelope.class), new PerShardWatermarks(
                        EventTimeStrategy.forEvents(config.eventTime()), config.eventTime().idleness()))
                .uid(Uids.KINESIS_WATERMARKS);
    }
}
