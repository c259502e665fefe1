package io.harbinger.stream.bench;

import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.HarbingerPipeline;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfigLoader;
import io.harbinger.stream.registry.AvroWireEncoder;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.clients.TopicReader;
import io.harbinger.stream.toolkit.cluster.FlinkCluster;
import io.harbinger.stream.toolkit.scenario.LocalPlatform;
import io.harbinger.stream.toolkit.scenario.SyntheticStream;
import io.harbinger.stream.toolkit.services.KafkaBroker;
import io.harbinger.stream.toolkit.services.LocalPostgres;
import io.harbinger.stream.toolkit.services.LocalSchemaRegistry;
import io.harbinger.stream.validate.WireDecoder;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.HdrHistogram.Histogram;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CheckpointStatsStatus;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The end-to-end benchmark (docs/performance.md): loads a resampled GDELT stream into Kafka, measures the
 * read-and-decode ceiling, runs the real job graph from the earliest offset with the production settings,
 * then measures visible latency at half the sustained throughput and recovery from a TaskManager loss on a
 * MiniCluster. Prints one table and writes latest.json and PNG charts.
 */
public final class PipelineBenchmark {
    private static final String INPUT = "bench.events";
    private static final long SAMPLE_MILLIS = 500;
    /** One Managed Service for Apache Flink KPU: one vCPU and 4 GB of memory. */
    private static final String KPU_PROCESS_MEMORY = "4096m";
    /**
     * RocksDB's part of it. AWS describes a KPU's 4 GB as 3 GB of heap and 1 GB of native memory, and managed
     * memory is native. Left to the test harness's default of then 128 MB, RocksDB flush-stormed: 86 µs of CPU per event.
     */
    private static final String KPU_MANAGED_MEMORY = "512m";
    private static final Duration KPU_WARM_UP = Duration.ofSeconds(30);
    private static final Duration KPU_MEASURED = Duration.ofSeconds(90);
    /** USER_HZ, the unit of /proc/PID/stat's CPU times: 100 on Linux on every architecture the JDK runs on. */
    private static final long CLOCK_TICKS_PER_SECOND = 100;
    /** In a --compare variant, marks a job config key instead of a Flink cluster setting. */
    private static final String JOB_KEY = "set:";
    /** The latency and recovery jobs' watermark delay: short, so that windows fire soon after they end. */
    private static final String LIVE_OUT_OF_ORDERNESS = "2s";
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final BenchOptions options;
    private final Path work;
    private KafkaBroker kafka;
    private LocalSchemaRegistry registryServer;
    private LocalPostgres postgres;
    private SchemaRegistryClient registry;
    private final Map<String, Object> result = new LinkedHashMap<>();

    private PipelineBenchmark(BenchOptions options, Path work) {
        this.options = options;
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("benchmark: " + e.getMessage());
            System.exit(2);
            return;
        }
        Path work = Path.of("target", "bench").toAbsolutePath();
        Files.createDirectories(work);
        PipelineBenchmark bench = new PipelineBenchmark(options, work);
        int exit = 0;
        try {
            bench.run(args);
        } catch (Throwable e) {
            e.printStackTrace();
            exit = 1;
        } finally {
            bench.stopServices();
        }
        System.exit(exit);
    }

    private void run(String[] args) throws Exception {
        say("load before: %s", loadavg());
        result.put("started", Instant.now().toString());
        result.put("cores", Runtime.getRuntime().availableProcessors());
        result.put("events", options.events());
        result.put("partitions", options.partitions());
        result.put("parallelism", options.parallelism());
        result.put("command_args", String.join(" ", java.util.Arrays.asList(args)));
        result.put("extra_flink_config", options.flink());
        result.put("load_before", loadavg());
        kafka = KafkaBroker.start(work.resolve("kafka-" + System.currentTimeMillis()));
        registryServer = LocalSchemaRegistry.start();
        postgres = LocalPostgres.start();
        postgres.executeSqlFile(Path.of("schemas", "sql", "harbinger.sql"));
        JobConfig base = config("bench", List.of());
        registry = new SchemaRegistryClient(base.registry());
        kafka.createTopics(options.partitions(), INPUT);

        produce();
        ceiling();
        throughput();
        if (!options.variants().isEmpty()) {
            compare();
        }
        if (options.latency()) {
            latency();
        }
        if (options.recovery()) {
            recovery();
        }
        if (options.kpu()) {
            try {
                oneKpu();
            } catch (Exception e) {
                // the phases before it measured what they measured: report those, and say why this one did not
                e.printStackTrace();
                say("6. one KPU failed: %s", e);
                result.put("kpu_error", String.valueOf(e));
            }
        }
        result.put("load_after", loadavg());
        result.put("finished", Instant.now().toString());
        report();
        say("load after: %s", loadavg());
    }

    // ---------------------------------------------------------------- 1. load the input topic

    private void produce() throws Exception {
        List<GeopoliticalEvent> rows = SyntheticStream.gdeltRows();
        int schemaId = registry.register(EventProducer.subjectOf(INPUT), GeopoliticalEvent.getClassSchema());
        SyntheticStream stream = new SyntheticStream(rows, AvroWireEncoder.specific(GeopoliticalEvent.getClassSchema(),
                schemaId), 42, "b-", options.duplicateShare(), options.lateShare(), options.badShare(),
                Duration.ofMinutes(10).toMillis(), 5_000);
        long n = options.events();
        long eventTimeSpan = n * 1000 / options.eventTimeRate();
        // The whole stream lies in the past, ending a minute ago, so that no timestamp is in the future.
        long firstEventTime = System.currentTimeMillis() - eventTimeSpan - 60_000;
        Map<SyntheticStream.Kind, Long> kinds = new HashMap<>();
        long bytes = 0;
        say("1. producing %,d events (%d GDELT template rows, %.1f%% duplicates, %.1f%% late, %.1f%% bad) into %s"
                        + " with %d partitions, compression %s ...", n, rows.size(), 100 * options.duplicateShare(),
                100 * options.lateShare(), 100 * options.badShare(), INPUT, options.partitions(), options.compression());
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(withBootstrap(fastProducer(options.compression())))) {
            AtomicLong failures = new AtomicLong();
            for (long i = 0; i < n; i++) {
                SyntheticStream.Next next = stream.next(firstEventTime + i * 1000 / options.eventTimeRate());
                kinds.merge(next.kind(), 1L, Long::sum);
                bytes += next.value().length;
                producer.send(new ProducerRecord<>(INPUT, next.key(), next.value()), (m, e) -> {
                    if (e != null) failures.incrementAndGet();
                });
            }
            producer.flush();
            if (failures.get() > 0) throw new IllegalStateException(failures.get() + " sends failed");
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        say("   produced in %.1f s: %,.0f events/s, %.0f MB of values; kinds %s", seconds, n / seconds, bytes / 1e6, kinds);
        result.put("produce_eps", Math.round(n / seconds));
        result.put("produce_compression", options.compression());
        result.put("input_value_bytes", bytes);
        Map<String, Long> k = new LinkedHashMap<>();
        kinds.forEach((kind, count) -> k.put(kind.name().toLowerCase(), count));
        result.put("input_kinds", k);
    }

    static java.util.Properties fastProducer(String compression) {
        java.util.Properties p = new java.util.Properties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(512 * 1024));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(128L * 1024 * 1024));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        return p;
    }

    private java.util.Properties withBootstrap(java.util.Properties p) {
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return p;
    }

    // ---------------------------------------------------------------- 2. the read-and-decode ceiling

    private void ceiling() throws Exception {
        int threads = options.parallelism();
        say("2. ceiling: %d plain consumer thread(s) read_committed + WireDecoder, as fast as they can ...", threads);
        AtomicLong decoded = new AtomicLong();
        AtomicLong undecodable = new AtomicLong();
        long total = options.events();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<TopicPartition> mine = new ArrayList<>();
            for (int p = t; p < options.partitions(); p += threads) mine.add(new TopicPartition(INPUT, p));
            Thread reader = new Thread(() -> {
                WireDecoder<GeopoliticalEvent> decoder = WireDecoder.forEvents(registry, 1024 * 1024);
                try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps("read_committed"))) {
                    consumer.assign(mine);
                    consumer.seekToBeginning(mine);
                    Map<TopicPartition, Long> end = consumer.endOffsets(mine);
                    while (!reachedEnd(consumer, end)) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                            try {
                                decoder.decode(r.value());
                            } catch (Exception e) {
                                undecodable.incrementAndGet();
                            }
                            decoded.incrementAndGet();
                        }
                    }
                }
            }, "ceiling-reader-" + t);
            readers.add(reader);
        }
        Sampler sampler = new Sampler(decoded::get);
        sampler.start();
        readers.forEach(Thread::start);
        for (Thread r : readers) r.join();
        sampler.stop();
        Steady steady = sampler.steady(total);
        say("   ceiling: %,.0f events/s sustained, %.2f µs CPU/event (%,d records, %,d not decodable)",
                steady.eps, steady.cpuMicrosPerEvent, decoded.get(), undecodable.get());
        result.put("ceiling_eps", Math.round(steady.eps));
        result.put("ceiling_cpu_us_per_event", round2(steady.cpuMicrosPerEvent));
        result.put("ceiling_series", sampler.series());
    }

    private java.util.Properties consumerProps(String isolation) {
        java.util.Properties p = new java.util.Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return p;
    }

    private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- 3. the job, from the earliest offset

    /** The main run in the first --delivery mode; with --delivery both, the same phase again in the other. */
    private void throughput() throws Exception {
        Map<String, Object> run = jobRun(options.flink(), List.of(), true);
        result.putAll(run);
        result.put("delivery", options.mainDelivery());
        for (String delivery : options.deliveries().subList(1, options.deliveries().size())) {
            say("3b. the same job with job.delivery=%s ...", delivery);
            Map<String, Object> other = jobRun(options.flink(), List.of("job.delivery=" + delivery), false);
            other.put("delivery", delivery);
            other.remove("checkpoints");
            result.put("delivery_" + delivery.replace('-', '_'), other);
        }
    }

    /** A/B: baseline and each variant, twice, interleaved, so that drifting load hits all of them alike. */
    private void compare() throws Exception {
        List<Map<String, Object>> rounds = new ArrayList<>();
        for (int round = 1; round <= 2; round++) {
            List<String> labels = new ArrayList<>();
            labels.add("baseline:");
            labels.addAll(options.variants());
            for (String variant : labels) {
                String label = variant.substring(0, variant.indexOf(':'));
                List<String> extra = new ArrayList<>(options.flink());
                List<String> sets = new ArrayList<>();
                for (String kv : variant.substring(variant.indexOf(':') + 1).split(";")) {
                    // "set:key=value" is a job config key (which wins over the cluster's Flink settings)
                    if (kv.trim().startsWith(JOB_KEY)) sets.add(kv.trim().substring(JOB_KEY.length()));
                    else if (!kv.isBlank()) extra.add(kv.trim());
                }
                say("   A/B round %d: %s %s %s", round, label, extra, sets);
                Map<String, Object> r = jobRun(extra, sets, false);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("round", round);
                row.put("label", label);
                row.put("flink", extra);
                row.put("set", sets);
                for (String k : List.of("throughput_eps", "throughput_min_over_mean", "ratio", "cpu_us_per_event",
                        "checkpoint_duration_p50_ms", "checkpoint_steps_worst_ms",
                        "checkpoint_duration_max_ms", "checkpoint_full_size_last_bytes", "load_at_end")) {
                    row.put(k, r.get(k));
                }
                rounds.add(row);
            }
        }
        result.put("ab", rounds);
        say("   A/B summary (same run, same input):");
        for (Map<String, Object> row : rounds) {
            say("     round %s %-12s %,8d events/s  min/mean %s  ratio %s  %7.2f µs CPU/event  ckpt p50 %s ms  load %s",
                    row.get("round"), row.get("label"), ((Number) row.get("throughput_eps")).longValue(),
                    row.get("throughput_min_over_mean"), row.get("ratio"), ((Number) row.get("cpu_us_per_event")).doubleValue(),
                    row.get("checkpoint_duration_p50_ms"), row.get("load_at_end"));
        }
    }

    @SuppressWarnings("unchecked") // input_kinds is the map produce() put there
    private Map<String, Object> jobRun(List<String> extraFlink, List<String> jobSets, boolean main) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        String run = "tp" + System.currentTimeMillis();
        List<String> overrides = new ArrayList<>(List.of(
                "source.kafka.topics=" + INPUT,
                "source.kafka.starting-offsets=earliest",
                "source.kafka.bounded=true"));
        overrides.addAll(jobSets);
        JobConfig config = config(run, overrides);
        createOutputTopics(config);
        if (main) {
            say("3. job: %s, parallelism %d, checkpoints every %s (RocksDB incremental, EXACTLY_ONCE), delivery %s,"
                    + " bounded replay from the earliest offset ...", config.job().name(), options.parallelism(),
                    config.checkpoints().interval(), config.job().delivery());
        }
        CountingReporter.reset();
        resetPeakMemory();
        try (Cluster cluster = Cluster.start(config, options.parallelism(), extraFlink)) {
            JobID job = cluster.submit(config);
            Sampler sampler = new Sampler(CountingReporter::recordsIn);
            sampler.start();
            cluster.mini.requestJobResult(job).get();
            sampler.stop();
            Steady steady = sampler.steady(options.events());
            double ratio = steady.eps / ((Number) result.get("ceiling_eps")).doubleValue();
            say("   job: %,.0f events/s sustained after warm-up = %.0f%% of the ceiling, %.2f µs CPU/event,"
                            + " slowest 0.5 s sample %.2f of the mean, whole run %.1f s", steady.eps, 100 * ratio,
                    steady.cpuMicrosPerEvent, steady.minOverMean, sampler.seconds());
            out.put("throughput_eps", Math.round(steady.eps));
            out.put("throughput_min_over_mean", Math.round(steady.minOverMean * 1000) / 1000.0);
            out.put("ratio", Math.round(ratio * 10_000) / 10_000.0);
            out.put("cpu_us_per_event", round2(steady.cpuMicrosPerEvent));
            out.put("job_seconds", round2(sampler.seconds()));
            out.put("throughput_series", sampler.series());
            out.put("checkpoint_interval_ms", config.checkpoints().interval().toMillis());
            out.put("managed_memory_per_slot_mb", Cluster.productionManagedMemory(1).getMebiBytes());
            List<Map<String, Object>> checkpoints = checkpoints(cluster.mini, job);
            out.put("checkpoints", checkpoints);
            summarizeCheckpoints(checkpoints, out);
            Map<String, Object> worst = new LinkedHashMap<>();
            worstCheckpointSteps(checkpoints).forEach((task, w) -> {
                worst.put(task, List.of(w[0], w[1], w[2], w[3]));
                say("     checkpoint steps, worst of the run, %-60s start delay %5d  alignment %5d  sync %5d"
                        + "  async %5d ms", task, w[0], w[1], w[2], w[3]);
            });
            out.put("checkpoint_steps_worst_ms", worst);
            out.put("peak_rss_mb", peakRssMb());
            out.put("peak_heap_mb", peakHeapMb());
            out.put("load_at_end", loadavg());
        }
        if (main) {
            // Watermarks against skew: the input's late events are 10 minutes behind, every other event is on
            // time; the Kafka Streams peer (stream time per task, no watermarks) counted 24 % of on-time ones late.
            long lateIn = ((Map<String, Long>) result.get("input_kinds")).get("late");
            long lateOut = TopicReader.readCommitted(kafka.bootstrapServers(),
                    config.kafkaSink().lateEventsTopic()).size();
            say("   late events out: %,d, of %,d injected late (on-time events counted late: %,d)", lateOut, lateIn,
                    Math.max(0, lateOut - lateIn));
            out.put("late_events_in", lateIn);
            out.put("late_events_out", lateOut);
            out.put("on_time_events_counted_late", Math.max(0, lateOut - lateIn));
        }
        return out;
    }

    private static void summarizeCheckpoints(List<Map<String, Object>> checkpoints, Map<String, Object> result) {
        List<Long> durations = new ArrayList<>();
        long maxSize = 0;
        long lastFull = 0;
        for (Map<String, Object> c : checkpoints) {
            if (!"COMPLETED".equals(c.get("status"))) continue;
            durations.add((Long) c.get("duration_ms"));
            maxSize = Math.max(maxSize, (Long) c.get("checkpointed_size_bytes"));
            lastFull = (Long) c.get("state_size_bytes");
        }
        durations.sort(Long::compare);
        result.put("checkpoints_completed", durations.size());
        result.put("checkpoints_failed", checkpoints.size() - durations.size());
        if (!durations.isEmpty()) {
            result.put("checkpoint_duration_p50_ms", durations.get(durations.size() / 2));
            result.put("checkpoint_duration_max_ms", durations.get(durations.size() - 1));
            result.put("checkpoint_incremental_size_max_bytes", maxSize);
            result.put("checkpoint_full_size_last_bytes", lastFull);
        }
    }

    private static List<Map<String, Object>> checkpoints(MiniCluster mini, JobID job) throws Exception {
        var graph = mini.getArchivedExecutionGraph(job).get();
        var history = graph.getCheckpointStatsSnapshot().getHistory();
        List<Map<String, Object>> out = new ArrayList<>();
        for (AbstractCheckpointStats c : history.getCheckpoints()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", c.getCheckpointId());
            m.put("status", c.getStatus().name());
            m.put("trigger_ms", c.getTriggerTimestamp());
            m.put("duration_ms", c.getStatus() == CheckpointStatsStatus.COMPLETED ? c.getEndToEndDuration() : -1L);
            m.put("state_size_bytes", c.getStateSize());
            m.put("checkpointed_size_bytes", c.getCheckpointedSize());
            m.put("tasks", taskCheckpointSteps(graph, c));
            out.add(0, m);
        }
        return out;
    }

    /**
     * Per task, the slowest subtask's steps of one checkpoint: how long the barrier took to arrive (start
     * delay: back pressure in front of it), alignment, the synchronous part on the task thread (the task
     * processes nothing meanwhile), and the asynchronous upload.
     */
    private static Map<String, Object> taskCheckpointSteps(
            org.apache.flink.runtime.executiongraph.AccessExecutionGraph graph, AbstractCheckpointStats c) {
        Map<String, Object> tasks = new LinkedHashMap<>();
        for (var task : c.getAllTaskStateStats()) {
            long delay = 0;
            long alignment = 0;
            long sync = 0;
            long async = 0;
            for (var subtask : task.getSubtaskStats()) {
                if (subtask == null) continue;
                delay = Math.max(delay, subtask.getCheckpointStartDelay());
                alignment = Math.max(alignment, subtask.getAlignmentDuration());
                sync = Math.max(sync, subtask.getSyncCheckpointDuration());
                async = Math.max(async, subtask.getAsyncCheckpointDuration());
            }
            String name = graph.getJobVertex(task.getJobVertexId()).getName();
            tasks.put(name.length() > 60 ? name.substring(0, 60) : name,
                    List.of(delay, alignment, sync, async));
        }
        return tasks;
    }

    /** Per task, the largest start delay, alignment, sync and async part (ms) over the run's checkpoints. */
    @SuppressWarnings("unchecked")
    private static Map<String, long[]> worstCheckpointSteps(List<Map<String, Object>> checkpoints) {
        Map<String, long[]> worst = new LinkedHashMap<>();
        for (Map<String, Object> c : checkpoints) {
            for (Map.Entry<String, Object> t : ((Map<String, Object>) c.get("tasks")).entrySet()) {
                long[] w = worst.computeIfAbsent(t.getKey(), k -> new long[4]);
                List<Long> steps = (List<Long>) t.getValue();
                for (int i = 0; i < 4; i++) w[i] = Math.max(w[i], steps.get(i));
            }
        }
        return worst;
    }

    // ---------------------------------------------------------------- 4. + 5. latency, then recovery

    private void latency() throws Exception {
        long rate = halfRate();
        String run = "lat" + System.currentTimeMillis();
        String input = "bench.latency." + run;
        kafka.createTopics(options.partitions(), input);
        List<String> liveOverrides = liveOverrides(input);
        JobConfig config = config(run, liveOverrides);
        createOutputTopics(config);
        long windowMillis = config.window().size().toMillis();
        long ooo = config.eventTime().maxOutOfOrderness().toMillis();
        long interval = config.checkpoints().interval().toMillis();
        result.put("latency_rate_eps", rate);
        say("4. latency: %,d events/s (half the sustained rate) for %d s, window %s, out-of-orderness %d ms,"
                        + " checkpoints every %d ms ...", rate, options.latencySeconds(), options.latencyWindow(), ooo,
                interval);
        Map<String, LongList> appends = new ConcurrentHashMap<>();
        AtomicLong measureFrom = new AtomicLong(Long.MAX_VALUE);
        AtomicLong measureUntil = new AtomicLong(Long.MAX_VALUE);

        try (Cluster cluster = Cluster.start(config, options.parallelism(), options.flink())) {
            JobID job = cluster.submit(config);
            cluster.awaitRunning(job);
            try (Feed feed = new Feed(input, config.kafkaSink().aggregatesTopic(), rate, 7, "l-", (next, now) -> {
                if (next.kind() == SyntheticStream.Kind.VALID && now >= measureFrom.get() && now < measureUntil.get()) {
                    String key = windowKey(next.value(), next.eventTime(), windowMillis);
                    appends.computeIfAbsent(key, k -> new LongList()).add(now, next.eventTime());
                }
            })) {
                long warmUp = Math.max(10_000, 2 * windowMillis);
                Thread.sleep(warmUp);
                measureFrom.set(System.currentTimeMillis());
                Thread.sleep(options.latencySeconds() * 1000L);
                measureUntil.set(System.currentTimeMillis());
                // Let every measured window close and commit: window end + out-of-orderness + two checkpoints.
                Thread.sleep(windowMillis + ooo + 2 * interval + 2_000);
                latencyResult(appends, feed.firstVisible, windowMillis, ooo, interval);
            }
            cluster.mini.cancelJob(job).get();
        }
    }

    private long halfRate() {
        return Math.max(100, ((Number) result.get("throughput_eps")).longValue() / 2);
    }

    /** The latency and recovery jobs: unbounded, on their own input, short windows so results come often. */
    private List<String> liveOverrides(String input) {
        return List.of(
                "source.kafka.topics=" + input,
                "source.kafka.starting-offsets=earliest",
                "source.kafka.bounded=false",
                "window.size=" + options.latencyWindow(),
                "window.allowed-lateness=5s",
                "event-time.max-out-of-orderness=" + LIVE_OUT_OF_ORDERNESS,
                "event-time.idleness=10s");
    }

    /**
     * Input at a fixed rate into one topic (events stamped with the wall clock at append), and a
     * {@code read_committed} reader of the aggregates topic that notes when each aggregate key first shows.
     */
    private final class Feed implements AutoCloseable {
        final Map<String, Long> firstVisible = new ConcurrentHashMap<>();
        final List<Long> visibleTimeline = java.util.Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread producer;
        private final Thread reader;

        Feed(String input, String aggregatesTopic, long rate, long seed, String idPrefix,
             java.util.function.BiConsumer<SyntheticStream.Next, Long> onSend) throws Exception {
            int schemaId = registry.register(EventProducer.subjectOf(input), GeopoliticalEvent.getClassSchema());
            SyntheticStream stream = new SyntheticStream(SyntheticStream.gdeltRows(), AvroWireEncoder.specific(
                    GeopoliticalEvent.getClassSchema(), schemaId), seed, idPrefix, options.duplicateShare(),
                    options.lateShare(), options.badShare(), Duration.ofMinutes(10).toMillis(), 1_000);
            reader = new Thread(() -> {
                try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps("read_committed"))) {
                    List<TopicPartition> parts = new ArrayList<>();
                    consumer.partitionsFor(aggregatesTopic)
                            .forEach(p -> parts.add(new TopicPartition(p.topic(), p.partition())));
                    consumer.assign(parts);
                    consumer.seekToBeginning(parts);
                    while (running.get()) {
                        var records = consumer.poll(Duration.ofMillis(20));
                        long now = System.currentTimeMillis();
                        for (ConsumerRecord<byte[], byte[]> r : records) {
                            String key = new String(r.key(), StandardCharsets.UTF_8);
                            if (firstVisible.putIfAbsent(key, now) == null) visibleTimeline.add(now);
                        }
                    }
                }
            }, "feed-reader");
            producer = new Thread(() -> {
                try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(withBootstrap(latencyProducer()))) {
                    long start = System.nanoTime();
                    long sent = 0;
                    while (running.get()) {
                        long due = (System.nanoTime() - start) * rate / 1_000_000_000L;
                        while (sent < due) {
                            long now = System.currentTimeMillis();
                            SyntheticStream.Next next = stream.next(now);
                            p.send(new ProducerRecord<>(input, next.key(), next.value()));
                            onSend.accept(next, now);
                            sent++;
                        }
                        Thread.sleep(1);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "feed-producer");
            reader.start();
            producer.start();
        }

        /** Wall-clock millis of the first aggregate key that showed after {@code after}, or -1. */
        long firstNewAfter(long after) {
            synchronized (visibleTimeline) {
                for (long t : visibleTimeline) {
                    if (t > after) return t;
                }
            }
            return -1;
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            producer.join();
            reader.join();
        }
    }

    private static java.util.Properties latencyProducer() {
        java.util.Properties p = fastProducer("lz4");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        return p;
    }

    /** "CC|TYPE|windowStart", the key the job writes its aggregates with; decoded cheaply from our own record. */
    private final Map<String, String> typeCache = new ConcurrentHashMap<>();
    private WireDecoder<GeopoliticalEvent> keyDecoder;

    private synchronized String windowKey(byte[] value, long eventTime, long windowMillis) {
        if (keyDecoder == null) keyDecoder = WireDecoder.forEvents(registry, 1024 * 1024);
        try {
            GeopoliticalEvent e = keyDecoder.decode(value);
            long start = eventTime - Math.floorMod(eventTime, windowMillis);
            return e.getCountryCode() + "|" + e.getEventType().name() + "|" + start;
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    private void latencyResult(Map<String, LongList> appends, Map<String, Long> firstVisible, long windowMillis,
                               long ooo, long interval) {
        Histogram appendToVisible = new Histogram(3_600_000L, 3);
        Histogram afterWatermark = new Histogram(3_600_000L, 3);
        long notVisible = 0;
        long afterFiring = 0;
        for (Map.Entry<String, LongList> e : appends.entrySet()) {
            String key = e.getKey();
            long windowStart = Long.parseLong(key.substring(key.lastIndexOf('|') + 1));
            // The earliest moment the window can fire: its end plus the watermark's out-of-orderness, in wall time
            // (the producer stamps events with the wall clock).
            long canFire = windowStart + windowMillis + ooo;
            Long visible = firstVisible.get(key);
            LongList l = e.getValue();
            for (int i = 0; i < l.size; i++) {
                long append = l.appendAt[i];
                if (visible == null) { notVisible++; continue; }
                if (append > visible) { afterFiring++; continue; }
                appendToVisible.recordValue(Math.max(0, visible - append));
                afterWatermark.recordValue(Math.max(0, visible - Math.max(append, canFire)));
            }
        }
        say("   append -> visible (includes waiting for the window to end): p50 %d ms, p99 %d ms, max %d ms (%,d events)",
                appendToVisible.getValueAtPercentile(50), appendToVisible.getValueAtPercentile(99),
                appendToVisible.getMaxValue(), appendToVisible.getTotalCount());
        say("   window can fire -> visible (the pipeline's own latency): p50 %d ms, p99 %d ms, max %d ms;"
                        + " target p99 <= %d ms", afterWatermark.getValueAtPercentile(50),
                afterWatermark.getValueAtPercentile(99), afterWatermark.getMaxValue(), interval + 1000);
        if (notVisible + afterFiring > 0) {
            say("   (%,d events in windows never seen, %,d appended after their window had fired: not counted)",
                    notVisible, afterFiring);
        }
        result.put("latency_window_ms", windowMillis);
        result.put("latency_out_of_orderness_ms", ooo);
        result.put("p50_visible_latency_ms", afterWatermark.getValueAtPercentile(50));
        result.put("p99_visible_latency_ms", afterWatermark.getValueAtPercentile(99));
        result.put("max_visible_latency_ms", afterWatermark.getMaxValue());
        result.put("p50_append_to_visible_ms", appendToVisible.getValueAtPercentile(50));
        result.put("p99_append_to_visible_ms", appendToVisible.getValueAtPercentile(99));
        result.put("max_append_to_visible_ms", appendToVisible.getMaxValue());
        result.put("latency_events_measured", appendToVisible.getTotalCount());
        result.put("latency_events_not_visible", notVisible);
        List<long[]> dist = new ArrayList<>();
        for (double p : new double[] {0, 10, 25, 50, 75, 90, 95, 99, 99.9, 100}) {
            dist.add(new long[] {(long) (p * 10), afterWatermark.getValueAtPercentile(p),
                appendToVisible.getValueAtPercentile(p)});
        }
        result.put("latency_percentiles_x10_pipeline_append", dist);
    }

    /**
     * 5. Recovery from a TaskManager process kill on the multi-process cluster ({@link ProcessKillRecovery}),
     * with the same job settings as the latency phase and input at the same rate.
     */
    private void recovery() throws Exception {
        long rate = halfRate();
        String run = "rec" + System.currentTimeMillis();
        ProcessKillRecovery cluster = ProcessKillRecovery.start(work.resolve("cluster-" + run), options.parallelism(),
                options.spareTaskManagers(), Cluster.productionProcessMemory(1).toString(), Cluster.productionManagedMemory(1).toString(),
                options.flink());
        try {
            List<Map<String, Object>> kills = new ArrayList<>();
            for (int kill = 1; kill <= options.kills(); kill++) {
                // A new job (and input) per kill: the restart strategy's backoff grows with every failure of
                // one job within reset-backoff-threshold (1 h), so a second kill of the same job would measure
                // production's crash-loop protection, not recovery from one lost TaskManager.
                String killRun = run + "k" + kill;
                String input = "bench.recovery." + killRun;
                kafka.createTopics(options.partitions(), input);
                List<String> overrides = new ArrayList<>(liveOverrides(input));
                overrides.add("checkpoints.directory=" + cluster.checkpointDir(killRun));
                JobConfig config = config(killRun, overrides);
                createOutputTopics(config);
                if (kill == 1) {
                    say("5. recovery: the job jar on a standalone cluster (JobManager + %d TaskManager processes and %d"
                                    + " spare, checkpoints on S3 via s3proxy, every %s), input at %,d events/s, kill -9 of a"
                                    + " TaskManager, replacement started at once, %d times (a new job each) ...",
                            options.parallelism(), options.spareTaskManagers(), config.checkpoints().interval(), rate,
                            options.kills());
                }
                try (Feed feed = new Feed(input, config.kafkaSink().aggregatesTopic(), rate, 10 + kill, "r" + kill + "-",
                        (next, now) -> { })) {
                    String job = cluster.submit(jobJar(), writeJobConfig(killRun), configOverrides(killRun, overrides));
                    Duration interval = config.checkpoints().interval();
                    cluster.awaitFirstCheckpoint(job, interval.multipliedBy(3).plusSeconds(60));
                    // a committed output before the kill, so that "new" means new after the restore
                    long deadline = System.currentTimeMillis() + interval.multipliedBy(2).plusSeconds(30).toMillis();
                    while (feed.firstVisible.isEmpty() && System.currentTimeMillis() < deadline) Thread.sleep(200);
                    // a few checkpoints of steady running, so that the kill does not fall into the start-up
                    cluster.awaitCheckpointsBeyond(job, cluster.completedCheckpoints(job) + 1,
                            interval.multipliedBy(4).plusSeconds(60));
                    Map<String, Object> r = cluster.killAndMeasure(job, feed::firstNewAfter,
                            interval.multipliedBy(4).plusSeconds(120));
                    say("   kill %d: kill -9 -> job restarting %.1f s, all tasks running %.1f s, first checkpoint %.1f s,"
                                    + " first new committed aggregate %.1f s (restored %s)", kill,
                            r.get("recovery_job_restarting_seconds"), r.get("recovery_tasks_running_seconds"),
                            r.get("recovery_first_checkpoint_seconds"), r.get("recovery_seconds"),
                            r.get("recovery_restored_checkpoint"));
                    kills.add(r);
                    cluster.cancel(job);
                }
            }
            // The slowest kill is the figure: the target is a bound, not an average.
            Map<String, Object> worst = kills.stream().max(java.util.Comparator.comparingDouble(
                    r -> seconds(r.get("recovery_seconds")))).orElseThrow();
            result.putAll(worst);
            result.put("recovery_spare_taskmanagers", options.spareTaskManagers());
            result.put("recovery_seconds_each", kills.stream().map(r -> r.get("recovery_seconds")).toList());
            result.put("recovery_kills", kills);
            result.put("recovery_measured", "kill -9 of a TaskManager process of a standalone cluster (JobManager"
                    + " + " + options.parallelism() + " one-slot TaskManagers running the job and "
                    + options.spareTaskManagers() + " spare), a replacement started at once, once"
                    + " per job, " + options.kills() + " jobs; seconds until the first aggregate not seen before"
                    + " appears to a read_committed consumer, while input keeps arriving at " + rate + " events/s;"
                    + " recovery_seconds and its steps are the slowest kill's");
        } finally {
            cluster.close();
        }
    }

    /**
     * 6. The cost figure operators ask for: events/s of one slot within one Managed Service for Apache Flink
     * KPU (one vCPU, 4 GB for heap, managed and native memory). The job jar runs at parallelism 1 on a
     * standalone cluster whose one TaskManager process has 4 GB (512 MB of it managed, for RocksDB) and every
     * thread pinned to one CPU, with the production settings, over the
     * loaded input; measured after a warm-up, from the source's emitted records and the process's CPU time.
     */
    private void oneKpu() throws Exception {
        String run = "kpu" + System.currentTimeMillis();
        List<String> flink = new ArrayList<>(options.flink());
        flink.add("metrics.fetcher.update-interval=1000");
        // the JVM sizes its GC and compiler threads for the one CPU it has, as in a one-vCPU container
        flink.add("env.java.opts.taskmanager=" + ProcessKillRecovery.PRODUCTION.get("env.java.opts.taskmanager")
                + " -XX:ActiveProcessorCount=1");
        ProcessKillRecovery cluster = ProcessKillRecovery.start(work.resolve("cluster-" + run), 1, 0, KPU_PROCESS_MEMORY,
                KPU_MANAGED_MEMORY, flink);
        try {
            int cpu = Runtime.getRuntime().availableProcessors() - 1;
            long pid = cluster.pinTaskManager(cpu);
            List<String> overrides = new ArrayList<>(List.of(
                    "source.kafka.topics=" + INPUT,
                    "source.kafka.starting-offsets=earliest",
                    "source.kafka.bounded=false",
                    "checkpoints.directory=" + cluster.checkpointDir(run)));
            JobConfig config = config(run, overrides);
            createOutputTopics(config);
            say("6. one KPU: the job jar at parallelism 1 on one TaskManager process of %s, pinned to CPU %d,"
                    + " checkpoints every %s, over the loaded input ...", KPU_PROCESS_MEMORY, cpu,
                    config.checkpoints().interval());
            String job = cluster.submit(jobJar(), writeJobConfig(run), configOverrides(run, overrides));
            cluster.awaitFirstCheckpoint(job, Duration.ofMinutes(3));
            Thread.sleep(KPU_WARM_UP.toMillis());
            long records0 = cluster.sourceRecordsOut(job);
            long cpu0 = processCpuNanos(pid);
            long t0 = System.nanoTime();
            long records = records0;
            // stop early rather than measure a source that ran out of input
            while (System.nanoTime() - t0 < KPU_MEASURED.toNanos() && records < options.events() * 9 / 10) {
                Thread.sleep(1_000);
                records = cluster.sourceRecordsOut(job);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (seconds < KPU_MEASURED.toSeconds() / 3.0) {
                throw new IllegalStateException(String.format("the input ran out %.0f s into the measurement"
                        + " (%,d of %,d events read after the warm-up): one KPU needs more --events", seconds,
                        records, options.events()));
            }
            long cpuNanos = processCpuNanos(pid) - cpu0;
            double eps = (records - records0) / seconds;
            double cpuMicros = records > records0 ? cpuNanos / 1e3 / (records - records0) : -1;
            long rss = peakRssMb(pid);
            say("   one KPU: %,.0f events/s over %.0f s, %.2f µs CPU/event in the TaskManager process, CPU use %.0f%%"
                    + " of one core, peak RSS %,d MB", eps, seconds, cpuMicros, 100 * cpuNanos / 1e9 / seconds, rss);
            result.put("kpu_events_per_second", Math.round(eps));
            result.put("kpu_cpu_us_per_event", round2(cpuMicros));
            result.put("kpu_cpu_share_of_one_core", round2(cpuNanos / 1e9 / seconds));
            result.put("kpu_peak_rss_mb", rss);
            result.put("kpu_measured_seconds", Math.round(seconds));
            result.put("kpu_measured", "the job jar at parallelism 1 on one TaskManager JVM (taskmanager.memory."
                    + "process.size " + KPU_PROCESS_MEMORY + ", managed " + KPU_MANAGED_MEMORY + ", one slot) with every thread"
                    + " pinned to one CPU (taskset) and -XX:ActiveProcessorCount=1, production settings, reading the"
                    + " loaded input from the earliest offset; events/s of the source vertex over "
                    + Math.round(seconds) + " s after " + KPU_WARM_UP.toSeconds() + " s of warm-up; peak RSS is the"
                    + " TaskManager process's VmHWM");
            cluster.cancel(job);
        } finally {
            cluster.close();
        }
    }

    /** User plus system CPU time of a process so far, from /proc/PID/stat. */
    private static long processCpuNanos(long pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        // fields after the command name, which is in parentheses and may contain spaces
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime: fields 14 and 15
        return ticks * 1_000_000_000L / CLOCK_TICKS_PER_SECOND;
    }

    /** A recovery time; one that never came (-1) counts as the slowest. */
    private static double seconds(Object value) {
        double s = ((Number) value).doubleValue();
        return s < 0 ? Double.MAX_VALUE : s;
    }

    private static Path jobJar() {
        Path jar = FlinkCluster.jobJar();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("job jar " + jar + " missing: the recovery phase needs `mvn -Pbench"
                    + " -DskipTests package exec:exec` (or --no-recovery)");
        }
        return jar;
    }

    // ---------------------------------------------------------------- shared

    private JobConfig config(String run, List<String> extra) {
        return new JobConfigLoader(environment(run)).load(options.config(), configOverrides(run, extra));
    }

    /** What the job config's ${...} references resolve to: this run's services. */
    private Map<String, String> environment(String run) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka == null ? "localhost:9" : kafka.bootstrapServers());
        env.put("SCHEMA_REGISTRY_URL", registryServer == null ? "http://localhost:9" : registryServer.url());
        env.put("POSTGRES_JDBC_URL", postgres == null ? "jdbc:postgresql://localhost:9/x" : postgres.jdbcUrl());
        env.put("POSTGRES_USER", postgres == null ? "x" : postgres.username());
        env.put("POSTGRES_PASSWORD", postgres == null ? "x" : postgres.password());
        env.put("CHECKPOINT_DIR", work.resolve("checkpoints-" + run).toUri().toString());
        return env;
    }

    /**
     * Per-run names, then the benchmark's production settings ({@link BenchOptions#PRODUCTION_SETTINGS}),
     * then the phase's own, then the command line's {@code --set}s: later ones win.
     */
    private List<String> configOverrides(String run, List<String> extra) {
        List<String> overrides = new ArrayList<>();
        overrides.add("job.name=harbinger-bench-" + run);
        overrides.add("source.kafka.group-id=bench-" + run);
        overrides.add("sinks.kafka.transactional-id-prefix=bench-" + run);
        overrides.add("sinks.kafka.aggregates-topic=bench." + run + ".aggregates");
        overrides.add("sinks.kafka.anomalies-topic=bench." + run + ".anomalies");
        overrides.add("sinks.kafka.dead-letter-topic=bench." + run + ".dead-letters");
        overrides.add("sinks.kafka.late-events-topic=bench." + run + ".late-events");
        overrides.addAll(BenchOptions.PRODUCTION_SETTINGS);
        overrides.add("job.delivery=" + options.mainDelivery());
        overrides.addAll(extra);
        overrides.addAll(options.overrides());
        return overrides;
    }

    /**
     * The base job config with this run's addresses written in, for a job on the standalone cluster: it reads
     * its config in main(), on the JobManager, whose environment does not have them.
     */
    private Path writeJobConfig(String run) throws java.io.IOException {
        String yaml = Files.readString(options.config());
        for (Map.Entry<String, String> e : environment(run).entrySet()) {
            yaml = yaml.replace("${" + e.getKey() + "}", e.getValue());
        }
        Path file = work.resolve("job-" + run + ".yaml");
        Files.writeString(file, yaml);
        return file.toAbsolutePath();
    }

    private void createOutputTopics(JobConfig config) {
        var s = config.kafkaSink();
        kafka.createTopics(options.partitions(), s.aggregatesTopic(), s.anomaliesTopic(), s.deadLetterTopic(),
                s.lateEventsTopic());
    }

    /** A MiniCluster with one TaskManager of {@code parallelism} slots, REST on a free port, our reporter. */
    private static final class Cluster implements AutoCloseable {
        /** taskManager.resource.memory and taskmanager.numberOfTaskSlots of k8s/base/flinkdeployment.yaml. */
        private static final String PRODUCTION_TM_PROCESS_MEMORY = "6144m";
        private static final int PRODUCTION_TM_SLOTS = 2;
        final MiniCluster mini;
        private final int parallelism;
        private final List<String> extra;

        private Cluster(MiniCluster mini, int parallelism, List<String> extra) {
            this.mini = mini;
            this.parallelism = parallelism;
            this.extra = extra;
        }

        static Cluster start(JobConfig config, int parallelism, List<String> extra) throws Exception {
            Configuration conf = LocalPlatform.flinkConfiguration(config, parallelism);
            conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, productionManagedMemory(parallelism));
            for (String kv : extra) {
                conf.setString(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
            conf.set(RestOptions.BIND_PORT, "0");
            conf.set(WebOptions.CHECKPOINTS_HISTORY_SIZE, 10_000);
            conf.setString("metrics.reporter.bench.factory.class", CountingReporter.Factory.class.getName());
            MiniCluster mini = new MiniCluster(new MiniClusterConfiguration.Builder()
                    .setConfiguration(conf).setNumTaskManagers(1).setNumSlotsPerTaskManager(parallelism).build());
            mini.start();
            return new Cluster(mini, parallelism, extra);
        }

        /**
         * The managed memory (RocksDB's memtables and block cache) that {@code slots} slots of a production
         * TaskManager get: k8s/base/flinkdeployment.yaml gives each TaskManager 6144m of process memory and
         * 2 slots, and Flink's memory model derives the managed part from that. A MiniCluster would otherwise
         * give RocksDB 128 MB in total, a sixteenth of production's share per slot.
         */
        static MemorySize productionProcessMemory(int slots) {
            return MemorySize.parse(PRODUCTION_TM_PROCESS_MEMORY).divide(PRODUCTION_TM_SLOTS).multiply(slots);
        }

        static MemorySize productionManagedMemory(int slots) {
            Configuration tm = new Configuration();
            tm.set(TaskManagerOptions.TOTAL_PROCESS_MEMORY, MemorySize.parse(PRODUCTION_TM_PROCESS_MEMORY));
            MemorySize managed = TaskExecutorProcessUtils.processSpecFromConfig(tm).getManagedMemorySize();
            return managed.divide(PRODUCTION_TM_SLOTS).multiply(slots);
        }

        JobID submit(JobConfig config) throws Exception {
            // The --flink settings reach the job graph too (checkpointing options such as unaligned checkpoints
            // live there, not in the cluster); the job config's own settings win, as on the cluster.
            Configuration job = new Configuration();
            for (String kv : extra) {
                job.setString(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
            job.addAll(LocalPlatform.flinkConfiguration(config, parallelism));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(job);
            HarbingerPipeline.build(env, config);
            JobGraph graph = env.getStreamGraph().getJobGraph();
            return mini.submitJob(graph).get().getJobID();
        }

        void awaitRunning(JobID job) throws Exception {
            long deadline = System.currentTimeMillis() + 120_000;
            while (!allTasksRunning(job)) {
                if (System.currentTimeMillis() > deadline) throw new IllegalStateException("job not running");
                Thread.sleep(100);
            }
        }

        boolean allTasksRunning(JobID job) {
            try {
                var graph = mini.getExecutionGraph(job).get(5, TimeUnit.SECONDS);
                if (graph.getState() != JobStatus.RUNNING) return false;
                for (var vertex : graph.getAllExecutionVertices()) {
                    if (vertex.getExecutionState() != org.apache.flink.runtime.execution.ExecutionState.RUNNING) {
                        return false;
                    }
                }
                return true;
            } catch (Exception e) {
                return false;
            }
        }

        @Override
        public void close() throws Exception {
            mini.close();
        }
    }

    /** Samples a counter and the process CPU time every half second. */
    static final class Sampler {
        private final java.util.function.LongSupplier counter;
        private final List<long[]> samples = java.util.Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean running = new AtomicBoolean(true);
        private Thread thread;
        private long startNanos;

        Sampler(java.util.function.LongSupplier counter) {
            this.counter = counter;
        }

        void start() {
            startNanos = System.nanoTime();
            thread = new Thread(() -> {
                while (running.get()) {
                    sample();
                    try {
                        Thread.sleep(SAMPLE_MILLIS);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        private void sample() {
            samples.add(new long[] {System.nanoTime() - startNanos, counter.getAsLong(), OS.getProcessCpuTime()});
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.interrupt();
            thread.join();
            sample();
        }

        double seconds() {
            return samples.get(samples.size() - 1)[0] / 1e9;
        }

        /** Between 10% and 95% of the expected records (and at least 3 s in): the steady part of the run. */
        Steady steady(long expected) {
            long[] from = null;
            long[] to = null;
            for (long[] s : samples) {
                if (from == null && s[1] >= expected / 10 && s[0] >= 3_000_000_000L) from = s;
                if (s[1] <= expected * 95 / 100) to = s;
            }
            if (from == null || to == null || to[0] <= from[0]) {
                from = samples.get(0);
                to = samples.get(samples.size() - 1);
            }
            double seconds = (to[0] - from[0]) / 1e9;
            long events = to[1] - from[1];
            double eps = events / seconds;
            // The slowest sample inside the same span: a checkpoint stall shows as one sample near zero.
            double slowest = eps;
            for (int i = 1; i < samples.size(); i++) {
                long[] a = samples.get(i - 1);
                long[] b = samples.get(i);
                if (a[0] >= from[0] && b[0] <= to[0] && b[0] > a[0]) {
                    slowest = Math.min(slowest, (b[1] - a[1]) / ((b[0] - a[0]) / 1e9));
                }
            }
            return new Steady(eps, (to[2] - from[2]) / 1e3 / Math.max(1, events), eps > 0 ? slowest / eps : 0);
        }

        /** [seconds since start, events/s over the preceding sample] */
        List<double[]> series() {
            List<double[]> out = new ArrayList<>();
            for (int i = 1; i < samples.size(); i++) {
                long[] a = samples.get(i - 1);
                long[] b = samples.get(i);
                double dt = (b[0] - a[0]) / 1e9;
                if (dt > 0) out.add(new double[] {round2(b[0] / 1e9), Math.round((b[1] - a[1]) / dt)});
            }
            return out;
        }
    }

    /** minOverMean: the slowest 0.5 s sample of the sustained span over its mean (1 = no dip at all). */
    record Steady(double eps, double cpuMicrosPerEvent, double minOverMean) {}

    /** Append times of the measured events of one window key. */
    static final class LongList {
        long[] appendAt = new long[16];
        int size;

        synchronized void add(long append, long eventTime) {
            if (size == appendAt.length) appendAt = java.util.Arrays.copyOf(appendAt, size * 2);
            appendAt[size++] = append;
        }
    }

    private static void resetPeakMemory() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) pool.resetPeakUsage();
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (Exception ignored) {
            // not Linux, or not allowed: VmHWM then covers the whole process life
        }
    }

    private static long peakRssMb() {
        return peakRssMb(ProcessHandle.current().pid());
    }

    /** The peak resident set of a process (VmHWM), in MB; -1 where /proc cannot tell. */
    private static long peakRssMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (Exception ignored) {
            // not Linux
        }
        return -1;
    }

    private static long peakHeapMb() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) sum += pool.getPeakUsage().getUsed();
        }
        return sum / (1024 * 1024);
    }

    static String loadavg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "n/a";
        }
    }

    static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private void report() throws Exception {
        Path out = options.out();
        Files.createDirectories(out);
        Report.print(result, System.out);
        Charts.write(result, out);
        Map<String, Object> json = new LinkedHashMap<>(result);
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("latest.json").toFile(), json);
        say("wrote %s and the charts in %s", out.resolve("latest.json"), out);
    }

    private void stopServices() {
        for (AutoCloseable c : new AutoCloseable[] {postgres, registryServer, kafka}) {
            if (c == null) continue;
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("could not stop " + c + ": " + e);
            }
        }
    }

    static void say(String format, Object... args) {
        System.out.println(String.format(format, args));
        System.out.flush();
    }
}
