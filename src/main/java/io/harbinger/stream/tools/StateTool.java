package io.harbinger.stream.tools;

import io.harbinger.stream.HarbingerPipeline;
import io.harbinger.stream.anomaly.AnomalyDetector;
import io.harbinger.stream.anomaly.Baseline;
import io.harbinger.stream.config.ConfigException;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfigLoader;
import io.harbinger.stream.dedup.DropDuplicateEvents;

import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.OperatorTransformation;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.state.api.runtime.SavepointLoader;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.state.api.functions.KeyedStateBootstrapFunction;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;

/**
 * Looks into and prepares the job's state with Flink's State Processor API:
 * <ul>
 *   <li>{@code inspect --savepoint PATH --config FILE}: the anomaly baselines and how many event_ids the dedup
 *   state remembers;</li>
 *   <li>{@code bootstrap --config FILE (--aggregates-csv FILE | --aggregates-table) --out PATH}: a savepoint whose
 *   anomaly baselines are learned from historical aggregates, so a new deployment does not start cold.</li>
 * </ul>
 * Run it with {@code flink run -c io.harbinger.stream.tools.StateTool harbinger-stream.jar ...}.
 */
public final class StateTool {
    static final String USAGE = "usage: StateTool inspect --savepoint PATH --config FILE [--set key=value]...\n"
            + "       StateTool bootstrap --config FILE (--aggregates-csv FILE | --aggregates-table) --out PATH"
            + " [--set key=value]...";

    private StateTool() {}

    /** What a savepoint holds, as inspect reports it. */
    public static final class Inspection {
        private final List<KeyedBaseline> baselines;
        private final long dedupIds;

        public Inspection(List<KeyedBaseline> baselines, long dedupIds) {
            this.baselines = baselines;
            this.dedupIds = dedupIds;
        }

        public String render() {
            StringBuilder s = new StringBuilder(String.format("dedup: %,d event_ids remembered%n", dedupIds));
            s.append(String.format("anomaly baselines: %,d keys%n", baselines.size()));
            s.append(String.format("  %-16s %7s  %-24s %-22s %s%n", "key", "windows", "last window end",
                    "event count mean±sd", "mean severity mean±sd"));
            for (KeyedBaseline k : baselines) {
                Baseline b = k.baseline;
                s.append(String.format("  %-16s %7d  %-24s %9.3f ± %-9.3f %8.3f ± %.3f%n", k.key, b.windows,
                        Instant.ofEpochMilli(b.lastWindowEnd), b.count.mean, Math.sqrt(b.count.variance),
                        b.meanSeverity.mean, Math.sqrt(b.meanSeverity.variance)));
            }
            return s.toString();
        }

        public List<KeyedBaseline> baselines() {
            return baselines;
        }

        public long dedupIds() {
            return dedupIds;
        }
    }

    public static void main(String[] args) throws Exception {
        try {
            if (args.length == 0) throw new IllegalArgumentException(USAGE);
            Map<String, String> env = System.getenv();
            if (args[0].equals("inspect")) {
                System.out.print(inspect(Options.parse(args), env).render());
            } else if (args[0].equals("bootstrap")) {
                Options o = Options.parse(args);
                System.out.printf("wrote a savepoint with %,d anomaly baselines to %s%n",
                        bootstrap(o, env), o.require(o.out, "--out"));
            } else {
                throw new IllegalArgumentException("unknown command \"" + args[0] + "\"\n" + USAGE);
            }
        } catch (IllegalArgumentException | ConfigException e) {
            System.err.println("state tool: " + e.getMessage());
            System.exit(2);
        }
    }

    public static Inspection inspect(Options options, Map<String, String> environment) throws Exception {
        JobConfig config = options.config(environment);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        SavepointReader savepoint = SavepointReader.read(env, options.require(options.savepoint, "--savepoint"),
                new EmbeddedRocksDBStateBackend());
        // A bootstrapped savepoint may hold only some operators; the others simply have nothing to show.
        Set<OperatorID> present = new HashSet<>();
        SavepointLoader.loadSavepointMetadata(options.savepoint).getOperatorStates()
                .forEach(state -> present.add(state.getOperatorID()));
        OperatorIdentifier anomaly = OperatorIdentifier.forUid(HarbingerPipeline.Uids.ANOMALY);
        OperatorIdentifier dedup = OperatorIdentifier.forUid(HarbingerPipeline.Uids.DEDUP);

        List<KeyedBaseline> baselines = new ArrayList<>();
        if (present.contains(anomaly.getOperatorId())) {
            savepoint.readKeyedState(anomaly, new ReadBaselines(config.anomaly().baselineTtl()))
                    .executeAndCollect().forEachRemaining(baselines::add);
        }
        baselines.sort(Comparator.comparing(k -> k.key));
        long[] dedupIds = {0};
        if (present.contains(dedup.getOperatorId())) {
            savepoint.readKeyedState(dedup, new CountSeenIds(config.dedup().ttl()))
                    .executeAndCollect().forEachRemaining(n -> dedupIds[0] += n);
        }
        return new Inspection(baselines, dedupIds[0]);
    }

    /** Writes the savepoint and returns how many baselines it holds. */
    public static int bootstrap(Options options, Map<String, String> environment) throws Exception {
        JobConfig config = options.config(environment);
        var aggregates = options.aggregatesCsv != null ? HistoricalAggregates.fromCsv(Path.of(options.aggregatesCsv))
                : options.aggregatesTable ? HistoricalAggregates.fromTable(config.jdbcSink())
                : null;
        if (aggregates == null) {
            throw new IllegalArgumentException("bootstrap needs --aggregates-csv FILE or --aggregates-table\n" + USAGE);
        }
        List<KeyedBaseline> baselines = HistoricalAggregates.baselines(aggregates, config.anomaly());
        if (baselines.isEmpty()) {
            throw new IllegalArgumentException("the historical aggregates are empty: nothing to learn from");
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        var transformation = OperatorTransformation.bootstrapWith(env.fromData(baselines))
                .keyBy(k -> k.key)
                .transform(new WriteBaselines(config.anomaly().baselineTtl()));
        SavepointWriter.newSavepoint(env, new EmbeddedRocksDBStateBackend(true), config.job().maxParallelism())
                .withOperator(OperatorIdentifier.forUid(HarbingerPipeline.Uids.ANOMALY), transformation)
                .write(options.require(options.out, "--out"));
        env.execute("harbinger-state-tool-bootstrap");
        return baselines.size();
    }

    static final class ReadBaselines extends KeyedStateReaderFunction<String, KeyedBaseline> {
        private final Duration ttl;
        private transient ValueState<Baseline> baseline;

        ReadBaselines(Duration ttl) {
            this.ttl = ttl;
        }

        // KeyedStateReaderFunction of 1.20 still declares open(Configuration) abstract.
        @Override
        public void open(Configuration parameters) {
            baseline = getRuntimeContext().getState(AnomalyDetector.baselineDescriptor(ttl));
        }

        @Override
        public void readKey(String key, Context ctx, Collector<KeyedBaseline> out) throws Exception {
            out.collect(new KeyedBaseline(key, baseline.value()));
        }
    }

    static final class CountSeenIds extends KeyedStateReaderFunction<String, Long> {
        private final Duration ttl;
        private transient ValueState<Boolean> seen;

        CountSeenIds(Duration ttl) {
            this.ttl = ttl;
        }

        @Override
        public void open(Configuration parameters) {
            seen = getRuntimeContext().getState(DropDuplicateEvents.seenDescriptor(ttl));
        }

        @Override
        public void readKey(String key, Context ctx, Collector<Long> out) throws Exception {
            if (seen.value() != null) out.collect(1L);
        }
    }

    static final class WriteBaselines extends KeyedStateBootstrapFunction<String, KeyedBaseline> {
        private final Duration ttl;
        private transient ValueState<Baseline> baseline;

        WriteBaselines(Duration ttl) {
            this.ttl = ttl;
        }

        @Override
        public void open(OpenContext openContext) {
            baseline = getRuntimeContext().getState(AnomalyDetector.baselineDescriptor(ttl));
        }

        @Override
        public void processElement(KeyedBaseline value, Context ctx) throws Exception {
            baseline.update(value.baseline);
        }
    }

    /** The command line of both commands. */
    public static final class Options {
        String savepoint;
        String config;
        String out;
        String aggregatesCsv;
        boolean aggregatesTable;
        final List<String> overrides = new ArrayList<>();

        public static Options parse(String... args) {
            Options o = new Options();
            for (int i = 1; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--savepoint": o.savepoint = value(args, ++i, arg); break;
                    case "--config": o.config = value(args, ++i, arg); break;
                    case "--out": o.out = value(args, ++i, arg); break;
                    case "--aggregates-csv": o.aggregatesCsv = value(args, ++i, arg); break;
                    case "--aggregates-table": o.aggregatesTable = true; break;
                    case "--set": o.overrides.add(value(args, ++i, arg)); break;
                    default: throw new IllegalArgumentException("unknown argument \"" + arg + "\"\n" + USAGE);
                }
            }
            return o;
        }

        JobConfig config(Map<String, String> environment) {
            return new JobConfigLoader(environment).load(Path.of(require(config, "--config")), overrides);
        }

        String require(String value, String option) {
            if (value == null) throw new IllegalArgumentException(option + " is required\n" + USAGE);
            return value;
        }

        private static String value(String[] args, int i, String option) {
            return ToolArguments.value(args, i, option, "\n" + USAGE);
        }
    }
}
