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
import io.harbinger.stream.dedup.DropDuplicateEvents;
import io.harbinger.stream.records.Envelope;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.sink.AvroRecordSerializer;
import io.harbinger.stream.sink.DeadLetterSerializer;
import io.harbinger.stream.sink.KafkaOutput;
import io.harbinger.stream.sink.KafkaSinks;
import io.harbinger.stream.sink.PostgresUpsertSinks;
import io.harbinger.stream.source.KafkaEventSource;
import io.harbinger.stream.source.KinesisEventSource;
import io.harbinger.stream.source.PerShardWatermarks;
import io.harbinger.stream.validate.EventValidator;
import io.harbinger.stream.validate.IgnoreEventTypes;
import io.harbinger.stream.validate.KafkaEnvelopeDeserializer;
import io.harbinger.stream.validate.KinesisEnvelopeDeserializer;
import io.harbinger.stream.validate.SplitByValidity;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.source.SourceFunction;

import java.time.Clock;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The job graph, top to bottom: source (decode and validate per record) -> split off dead letters -> (ignore
 * event types, when configured) -> drop duplicates -> pre-aggregate, then event-time windows per
 * (country_code, event_type) -> anomaly scoring -> Kafka (one exactly-once sink for all four topics) and
 * PostgreSQL (idempotent upsert). Every operator has a stable uid, so savepoints survive upgrades.
 */
public final class HarbingerPipeline {
    /** Operator uids: part of the savepoint format. Never change one of a stateful operator. */
    public static final class Uids {
        public static final String SOURCE = "kafka-source";
        /** The Kinesis source keeps its shard sequence numbers under its own uid, never the Kafka source's. */
        public static final String KINESIS_SOURCE = "kinesis-source";
        public static final String KINESIS_WATERMARKS = "kinesis-shard-watermarks";
        public static final String SPLIT = "split-by-validity";
        /** Stateless: dead letters as Kafka records. */
        public static final String DEAD_LETTER_RECORDS = "dead-letter-records";
        /** Stateless, present only when validation.ignored-event-types is not empty. */
        public static final String IGNORE_EVENT_TYPES = "ignore-event-types";
        public static final String DEDUP = "dedup-by-event-id";
        public static final String RESTORE_GUARD = "restored-watermark-guard";
        /** Stateless: empties its buffers before every checkpoint barrier. */
        public static final String PRE_AGGREGATE = "pre-aggregate-windows";
        public static final String WINDOWS = "severity-windows";
        public static final String MARK_LATE = "mark-late";
        /** Stateless: late events as Kafka records. */
        public static final String LATE_EVENT_RECORDS = "late-event-records";
        /** Stateless: aggregates as Kafka records (Avro, registered schema). */
        public static final String AGGREGATE_RECORDS = "aggregate-records";
        public static final String AGGREGATES_POSTGRES = "aggregates-postgres-sink";
        public static final String ANOMALY = "anomaly-detector";
        /** Stateless: alerts as Kafka records (Avro, registered schema). */
        public static final String ANOMALY_RECORDS = "anomaly-records";
        public static final String ANOMALIES_POSTGRES = "anomalies-postgres-sink";
        /**
         * The one transactional sink of all four Kafka topics (writer state: its transactional-id prefix;
         * committer state: the transactions of checkpoints not yet committed).
         */
        public static final String KAFKA_OUTPUTS = "kafka-outputs-sink";
        /**
         * The per-topic Kafka sinks of 0.1.0, replaced by {@link #KAFKA_OUTPUTS}: a 0.1.0 savepoint holds their
         * state, which a restore must skip (docs/operations.md, "Upgrading from 0.1.0: one Kafka sink"). Never
         * give one of these uids to another operator: it would be handed that state.
         */
        public static final List<String> RETIRED_KAFKA_SINKS = Collections.unmodifiableList(Arrays.asList(
                "dead-letter-sink", "late-events-sink", "aggregates-kafka-sink", "anomalies-kafka-sink"));

        private Uids() {}
    }

    /**
     * Where the job meets the outside: every source and sink passes through here. {@link #LIVE} in the job; the
     * upgrade gate cuts them off to restore a savepoint into the real graph without reading or writing anything.
     */
    public interface Endpoints {
        <T, S extends SourceSplit, E> Source<T, S, E> source(Source<T, S, E> source);

        /** The Kafka sink's front half: records serialized for their topic (Avro ones register their schema). */
        <T> MapFunction<T, KafkaOutput> serializer(MapFunction<T, KafkaOutput> serializer);

        <T> SourceFunction<T> sourceFunction(SourceFunction<T> source);

        <T> Sink<T> sink(Sink<T> sink);
    }

    /** The sources and sinks as configured. */
    public static final Endpoints LIVE = new Endpoints() {
        @Override
        public <T, S extends SourceSplit, E> Source<T, S, E> source(Source<T, S, E> source) {
            return source;
        }

        @Override
        public <T> MapFunction<T, KafkaOutput> serializer(MapFunction<T, KafkaOutput> serializer) {
            return serializer;
        }

        @Override
        public <T> SourceFunction<T> sourceFunction(SourceFunction<T> source) {
            return source;
        }

        @Override
        public <T> Sink<T> sink(Sink<T> sink) {
            return sink;
        }
    };

    private HarbingerPipeline() {}

    public static void build(StreamExecutionEnvironment env, JobConfig config) {
        build(env, config, LIVE);
    }

    public static void build(StreamExecutionEnvironment env, JobConfig config, Endpoints endpoints) {
        SchemaRegistryClient registry = new SchemaRegistryClient(config.registry());
        EventValidator rules = new EventValidator(config.validation(), Clock.systemUTC());
        var sinks = config.kafkaSink();

        DataStream<Envelope> decoded = config.input().type() == JobConfig.SourceType.KINESIS
                ? kinesisSource(env, config, registry, rules, endpoints)
                : kafkaSource(env, config, registry, rules, endpoints);

        SingleOutputStreamOperator<Envelope> valid = decoded
                .process(new SplitByValidity(config.metrics()))
                .uid(Uids.SPLIT).name("Split off dead letters");
        DataStream<KafkaOutput> deadLetters = valid.getSideOutput(SplitByValidity.DEAD_LETTERS)
                .map(endpoints.serializer(new DeadLetterSerializer(sinks.deadLetterTopic())))
                .uid(Uids.DEAD_LETTER_RECORDS).name("Dead letters as Kafka records");

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

        DataStream<KafkaOutput> lateEvents = windows.lateEvents()
                .map(new MarkLate(new TumblingWindowRule(config.window()), config.metrics()))
                .uid(Uids.MARK_LATE).name("Mark late events")
                .map(endpoints.serializer(new DeadLetterSerializer(sinks.lateEventsTopic())))
                .uid(Uids.LATE_EVENT_RECORDS).name("Late events as Kafka records");

        DataStream<KafkaOutput> aggregateRecords = aggregates
                .map(endpoints.serializer(new AvroRecordSerializer<SeverityAggregate>(sinks.aggregatesTopic(),
                        SeverityAggregate.getClassSchema(), registry,
                        a -> WindowKey.of(a.getCountryCode(), a.getEventType()) + "|" + a.getWindowStart())))
                .uid(Uids.AGGREGATE_RECORDS).name("Aggregates as Kafka records");
        aggregates
                .sinkTo(endpoints.sink(PostgresUpsertSinks.aggregates(config.jdbcSink(), config.metrics())))
                .uid(Uids.AGGREGATES_POSTGRES).name("Aggregates table (upsert)");

        SingleOutputStreamOperator<AnomalyAlert> alerts = aggregates
                .keyBy(a -> WindowKey.of(a.getCountryCode(), a.getEventType()))
                .process(new AnomalyDetector(config.anomaly(), config.window(), config.metrics()))
                .uid(Uids.ANOMALY).name("Score against baseline");
        DataStream<KafkaOutput> alertRecords = alerts
                .map(endpoints.serializer(new AvroRecordSerializer<AnomalyAlert>(sinks.anomaliesTopic(),
                        AnomalyAlert.getClassSchema(), registry, AnomalyAlert::getAlertId)))
                .uid(Uids.ANOMALY_RECORDS).name("Alerts as Kafka records");
        alerts
                .sinkTo(endpoints.sink(PostgresUpsertSinks.anomalies(config.jdbcSink(), config.metrics())))
                .uid(Uids.ANOMALIES_POSTGRES).name("Anomalies table (upsert)");

        // One sink for all four topics: in exactly-once one transactional id per subtask and checkpoint instead
        // of four (FLINK-34554), and one commit per checkpoint.
        deadLetters.union(lateEvents, aggregateRecords, alertRecords)
                .sinkTo(endpoints.sink(KafkaSinks.forDelivery(sinks, config.job().delivery())))
                .uid(Uids.KAFKA_OUTPUTS).name("Kafka topics");
    }

    /** Kafka: the KafkaSource decodes and validates in its deserializer; watermarks are kept per partition. */
    private static DataStream<Envelope> kafkaSource(StreamExecutionEnvironment env, JobConfig config,
                                                    SchemaRegistryClient registry, EventValidator rules,
                                                    Endpoints endpoints) {
        return env
                .fromSource(endpoints.source(KafkaEventSource.create(config.input().kafka(),
                                new KafkaEnvelopeDeserializer(registry, rules, config.validation().maxValueBytes(),
                                        config.metrics()))),
                        EventTimeStrategy.forEvents(config.eventTime()), "Kafka source: raw events")
                .uid(Uids.SOURCE);
    }

    /** Kinesis: FlinkKinesisConsumer decodes and validates in the source; watermarks are kept per shard. */
    private static DataStream<Envelope> kinesisSource(StreamExecutionEnvironment env, JobConfig config,
                                                      SchemaRegistryClient registry, EventValidator rules,
                                                      Endpoints endpoints) {
        return env
                .addSource(endpoints.sourceFunction(KinesisEventSource.create(config.input().kinesis(),
                        new KinesisEnvelopeDeserializer(registry, rules, config.validation().maxValueBytes(),
                                config.metrics()))),
                        "Kinesis source: raw events")
                .uid(Uids.KINESIS_SOURCE)
                .transform("Per-shard watermarks", TypeInformation.of(Envelope.class), new PerShardWatermarks(
                        EventTimeStrategy.forEvents(config.eventTime()), config.eventTime().idleness()))
                .uid(Uids.KINESIS_WATERMARKS);
    }
}
