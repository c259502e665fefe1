package io.harbinger.stream.tools;

import io.harbinger.curated.SeverityAggregate;
import io.harbinger.stream.aggregate.EventTimeStrategy;
import io.harbinger.stream.aggregate.SeverityWindows;
import io.harbinger.stream.aggregate.TumblingWindowRule;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfigLoader;
import io.harbinger.stream.dedup.DropDuplicateEvents;
import io.harbinger.stream.records.Envelope;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.sink.DeadLetterHeaders;
import io.harbinger.stream.validate.EventValidator;
import io.harbinger.stream.validate.IgnoreEventTypes;
import io.harbinger.stream.validate.InvalidRecordException;
import io.harbinger.stream.validate.KafkaEnvelopeDeserializer;
import io.harbinger.stream.validate.SplitByValidity;
import io.harbinger.stream.validate.WireDecoder;

import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * Reconciliation: recomputes the severity aggregates of an event-time range from the raw topic with the job's
 * own decoding, validation, event-type filter, dedup and window stage (a bounded read in batch execution) and
 * compares them with what is committed in the aggregates topic (read_committed) and in severity_aggregates.
 * It only reads: the raw topic, the late-events and aggregates topics, the registry and the table.
 *
 * <p>Events the job sent to the late-events topic (named there by topic, partition and offset) were, by the
 * job's rules, too late for their window: they are left out of the recomputation too. Windows the job may
 * still revise (the watermark that the raw input implies has not passed their end plus the allowed lateness)
 * are not comparable and only counted.
 */
public final class Reconciliation {
    static final String USAGE = "usage: reconcile --config FILE --from ISO --to ISO [--set key=value]..."
            + " [--read-from ISO] [--bounded-input] [--json FILE|-]";

    private Reconciliation() {}

    public static final class Options {
        Path config;
        Instant from;
        Instant to;
        Instant readFrom;
        boolean boundedInput;
        String json;
        final List<String> overrides = new ArrayList<>();

        public static Options parse(String... args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--config": o.config = Path.of(value(args, ++i, arg)); break;
                    case "--set": o.overrides.add(value(args, ++i, arg)); break;
                    case "--from": o.from = instant(value(args, ++i, arg), arg); break;
                    case "--to": o.to = instant(value(args, ++i, arg), arg); break;
                    case "--read-from": o.readFrom = instant(value(args, ++i, arg), arg); break;
                    case "--bounded-input": o.boundedInput = true; break;
                    case "--json": o.json = value(args, ++i, arg); break;
                    default: throw new IllegalArgumentException("unknown argument \"" + arg + "\"\n" + USAGE);
                }
            }
            if (o.config == null || o.from == null || o.to == null) {
                throw new IllegalArgumentException("--config, --from and --to are required\n" + USAGE);
            }
            if (!o.from.isBefore(o.to)) throw new IllegalArgumentException("--from must be before --to\n" + USAGE);
            return o;
        }

        public String json() {
            return json;
        }

        private static Instant instant(String text, String option) {
            return ToolArguments.instant(text, option);
        }

        private static String value(String[] args, int i, String option) {
            return ToolArguments.value(args, i, option, "\n" + USAGE);
        }
    }

    public static ReconciliationReport run(Options options, Map<String, String> environment) throws Exception {
        JobConfig config = new JobConfigLoader(environment).load(options.config, options.overrides);
        return run(config, options.from, options.to, options.readFrom, options.boundedInput);
    }

    /**
     * @param readFrom where the raw read starts (by record timestamp); null: {@code fromTime} minus
     *                 validation.max-future-skew, as no event of the range can have arrived earlier
     * @param boundedInput the job read this input to its end (a bounded run, or a stop with drain): its final
     *                     watermark closed every window
     */
    public static ReconciliationReport run(JobConfig config, Instant fromTime, Instant toTime, Instant readFrom,
                                           boolean boundedInput) throws Exception {
        if (config.input().type() != JobConfig.SourceType.KAFKA) {
            throw new IllegalArgumentException("reconcile reads the raw input from Kafka; this config reads "
                    + config.input().type());
        }
        if (readFrom == null) readFrom = fromTime.minus(config.validation().maxFutureSkew());
        long from = fromTime.toEpochMilli();
        long to = toTime.toEpochMilli();

        Set<String> late = lateRecords(config, readFrom);
        Recomputed recomputed = recompute(config, readFrom, late);
        TumblingWindowRule rule = new TumblingWindowRule(config.window());
        long watermark = boundedInput ? Long.MAX_VALUE : recomputed.watermark(config);

        Map<ReconciliationReport.WindowId, SeverityAggregate> expected = new TreeMap<>();
        for (SeverityAggregate a : recomputed.aggregates) {
            if (a.getWindowStart() >= from && a.getWindowStart() < to) expected.put(ReconciliationReport.WindowId.of(a), a);
        }
        Map<ReconciliationReport.WindowId, List<SeverityAggregate>> topic = new TreeMap<>();
        for (SeverityAggregate a : committedAggregates(config, readFrom)) {
            if (a.getWindowStart() >= from && a.getWindowStart() < to) {
                topic.computeIfAbsent(ReconciliationReport.WindowId.of(a), w -> new ArrayList<>()).add(a);
            }
        }
        Map<ReconciliationReport.WindowId, List<SeverityAggregate>> table = new TreeMap<>();
        for (SeverityAggregate a : HistoricalAggregates.fromTable(config.jdbcSink(), fromTime, toTime)) {
            table.computeIfAbsent(ReconciliationReport.WindowId.of(a), w -> new ArrayList<>()).add(a);
        }
        return ReconciliationReport.compare(fromTime, toTime, expected, topic, table,
                w -> rule.isClosed(w.windowStart, watermark), recomputed.validEvents, late.size());
    }

    /** What the raw input implies: the aggregates, and how far event time got in each partition. */
    static final class Recomputed {
        final List<SeverityAggregate> aggregates = new ArrayList<>();
        final Map<String, Long> maxEventTimeByPartition = new HashMap<>();
        long validEvents;

        /** The watermark the job reaches on this input: the slowest partition's, as Flink takes it. */
        long watermark(JobConfig config) {
            long lowest = Long.MAX_VALUE;
            for (long t : maxEventTimeByPartition.values()) lowest = Math.min(lowest, t);
            return lowest == Long.MAX_VALUE ? Long.MIN_VALUE
                    : lowest - config.eventTime().maxOutOfOrderness().toMillis() - 1;
        }
    }

    static Recomputed recompute(JobConfig config, Instant readFrom, Set<String> late) throws Exception {
        Configuration flink = new Configuration();
        flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        flink.set(RestOptions.BIND_PORT, "0");
        flink.set(CoreOptions.DEFAULT_PARALLELISM, 1);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);

        SchemaRegistryClient registry = new SchemaRegistryClient(config.registry());
        EventValidator rules = new EventValidator(config.validation(), Clock.systemUTC());
        DataStream<Envelope> decoded = env.fromSource(rawInput(config, readFrom, new KafkaEnvelopeDeserializer(
                registry, rules, config.validation().maxValueBytes(), config.metrics())),
                EventTimeStrategy.forEvents(config.eventTime()), "Raw topic (bounded)");
        SingleOutputStreamOperator<Envelope> valid = decoded.process(new SplitByValidity(config.metrics()));
        DataStream<Envelope> kept = valid;
        if (!config.validation().ignoredEventTypes().isEmpty()) {
            kept = valid.filter(new IgnoreEventTypes(config.validation().ignoredEventTypes(), config.metrics()));
        }
        Set<String> lateIds = new HashSet<>(late);
        kept = kept.filter(e -> !lateIds.contains(provenance(e.raw.source, e.raw.partition, e.raw.position)));
        SingleOutputStreamOperator<Envelope> unique = kept
                .keyBy(envelope -> envelope.event.getEventId())
                .process(new DropDuplicateEvents(config.dedup().ttl(), config.metrics()));
        SeverityWindows.Stage windows = SeverityWindows.apply(unique, config.window(), config.metrics());

        DataStream<Tuple2<String, Long>> progress = valid
                .map(e -> Tuple2.of(e.raw.source + "/" + e.raw.partition, e.event.getTimestamp()))
                .returns(Types.TUPLE(Types.STRING, Types.LONG))
                .keyBy(t -> t.f0)
                .max(1);
        CloseableIterator<SeverityAggregate> aggregates = windows.aggregates().collectAsync();
        CloseableIterator<Tuple2<String, Long>> partitions = progress.collectAsync();
        CloseableIterator<Long> counted = unique.map(e -> 1L).returns(Types.LONG).keyBy(n -> 0).sum(0)
                .collectAsync();
        JobClient job = env.executeAsync("harbinger-reconcile");

        // A collect sink holds its task back once its buffer is full, until the iterator fetches: read every
        // result while the job runs. (Reading after a blocking execute() hung on the long fault campaign's
        // 100,000 windows.)
        Recomputed out = new Recomputed();
        CompletableFuture<Void> small = CompletableFuture.runAsync(() -> {
            partitions.forEachRemaining(t -> out.maxEventTimeByPartition.merge(t.f0, t.f1, Math::max));
            counted.forEachRemaining(n -> out.validEvents = Math.max(out.validEvents, n));
        });
        aggregates.forEachRemaining(out.aggregates::add);
        small.join();
        job.getJobExecutionResult().get();
        return out;
    }

    private static KafkaSource<Envelope> rawInput(JobConfig config, Instant readFrom,
                                                  KafkaEnvelopeDeserializer deserializer) {
        JobConfig.KafkaSourceSettings kafka = config.input().kafka();
        KafkaSourceBuilder<Envelope> builder = KafkaSource.<Envelope>builder()
                .setBootstrapServers(kafka.bootstrapServers())
                .setProperties(readOnly(kafka.clientProperties()))
                .setStartingOffsets(OffsetsInitializer.timestamp(readFrom.toEpochMilli()))
                .setBounded(OffsetsInitializer.latest())
                .setDeserializer(deserializer);
        if (kafka.topicPattern().isPresent()) {
            builder.setTopicPattern(Pattern.compile(kafka.topicPattern().get()));
        } else {
            builder.setTopics(kafka.topics());
        }
        return builder.build();
    }

    /** Committed records only, no consumer group: nothing of the job's or anyone's offsets is touched. */
    private static Properties readOnly(Map<String, String> clientProperties) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.setProperty("commit.offsets.on.checkpoint", "false");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return props;
    }

    static String provenance(String topic, String partition, String offset) {
        return topic + "/" + partition + "/" + offset;
    }

    /** The raw records that the job sent to the late-events topic, by topic, partition and offset. */
    static Set<String> lateRecords(JobConfig config, Instant readFrom) {
        Set<String> late = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : readCommitted(config, config.kafkaSink().lateEventsTopic(), readFrom)) {
            late.add(provenance(header(r, DeadLetterHeaders.SOURCE_TOPIC), header(r, DeadLetterHeaders.SOURCE_PARTITION),
                    header(r, DeadLetterHeaders.SOURCE_OFFSET)));
        }
        return late;
    }

    private static String header(ConsumerRecord<?, ?> record, String key) {
        Header h = record.headers().lastHeader(key);
        return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }

    static List<SeverityAggregate> committedAggregates(JobConfig config, Instant readFrom) throws Exception {
        WireDecoder<SeverityAggregate> decoder = new WireDecoder<>(new SchemaRegistryClient(config.registry()),
                SeverityAggregate.getClassSchema(), Integer.MAX_VALUE);
        List<SeverityAggregate> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readCommitted(config, config.kafkaSink().aggregatesTopic(), readFrom)) {
            try {
                out.add(decoder.decode(r.value()));
            } catch (InvalidRecordException e) {
                throw new IllegalStateException(config.kafkaSink().aggregatesTopic() + " partition " + r.partition()
                        + " offset " + r.offset() + " is not a SeverityAggregate: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** Every committed record of a topic from the first that arrived at or after readFrom to the end. */
    static List<ConsumerRecord<byte[], byte[]>> readCommitted(JobConfig config, String topic, Instant readFrom) {
        Properties props = readOnly(config.kafkaSink().clientProperties());
        props.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaSink().bootstrapServers());
        props.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.remove("commit.offsets.on.checkpoint");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) return out;
            List<TopicPartition> partitions = new ArrayList<>();
            infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(p -> query.put(p, readFrom.toEpochMilli()));
            Map<TopicPartition, OffsetAndTimestamp> start = consumer.offsetsForTimes(query);
            for (TopicPartition p : partitions) {
                OffsetAndTimestamp o = start.get(p);
                consumer.seek(p, o == null ? end.get(p) : o.offset());
            }
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) out.add(r);
                }
            }
        }
        return out;
    }
}
