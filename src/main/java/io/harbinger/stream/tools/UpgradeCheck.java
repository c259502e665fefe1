package io.harbinger.stream.tools;

import io.harbinger.stream.FlinkSettings;
import io.harbinger.stream.HarbingerPipeline;
import io.harbinger.stream.config.ConfigException;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfigLoader;
import io.harbinger.stream.config.MsfPropertyGroups;
import io.harbinger.stream.tools.UpgradeReport.Operator;
import io.harbinger.stream.tools.UpgradeReport.Status;

import com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.runtime.SavepointLoader;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.api.operators.AbstractUdfStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperatorFactory;
import org.apache.flink.util.FileUtils;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The upgrade gate: would this build, with this config, restore this savepoint or retained checkpoint without
 * {@code allowNonRestoredState}? It compares the operator ids of the snapshot with those of the job graph that
 * this build makes from the config, then lets Flink itself restore the snapshot into that graph, with its
 * sources and sinks cut off ({@link CutOffEndpoints}), on a local MiniCluster, and take one checkpoint. Flink
 * stops at the first incompatibility, so a refused upgrade names one reason; fix it and run the gate again.
 */
public final class UpgradeCheck {
    static final String USAGE = "usage: upgrade-check --savepoint PATH (--config FILE | --msf-properties FILE)"
            + " [--set key=value]... [--json FILE|-] [--timeout 120s]";

    private UpgradeCheck() {}

    /** The snapshot or the config cannot be read: exit code 2, like bad usage. */
    public static final class UnreadableInput extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnreadableInput(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static final class Options {
        String savepoint;
        Path config;
        Path msfProperties;
        String json;
        Duration timeout = Duration.ofMinutes(2);
        final List<String> overrides = new ArrayList<>();

        public static Options parse(String... args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--savepoint": o.savepoint = value(args, ++i, arg); break;
                    case "--config": o.config = Path.of(value(args, ++i, arg)); break;
                    case "--msf-properties": o.msfProperties = Path.of(value(args, ++i, arg)); break;
                    case "--set": o.overrides.add(value(args, ++i, arg)); break;
                    case "--json": o.json = value(args, ++i, arg); break;
                    case "--timeout": o.timeout = timeout(value(args, ++i, arg)); break;
                    default: throw new IllegalArgumentException("unknown argument \"" + arg + "\"\n" + USAGE);
                }
            }
            if (o.savepoint == null) throw new IllegalArgumentException("--savepoint is required\n" + USAGE);
            if ((o.config == null) == (o.msfProperties == null)) {
                throw new IllegalArgumentException("give --config FILE or --msf-properties FILE\n" + USAGE);
            }
            return o;
        }

        /** Where the JSON report goes: null for none, "-" for standard output instead of the human report. */
        public String json() {
            return json;
        }

        private static Duration timeout(String text) {
            try {
                return Duration.parse("PT" + text.toUpperCase());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--timeout " + text + ": expected a duration such as 120s");
            }
        }

        private static String value(String[] args, int i, String option) {
            return ToolArguments.value(args, i, option, "\n" + USAGE);
        }
    }

    public static UpgradeReport run(Options options, Map<String, String> environment) throws Exception {
        JobConfig config = config(options, environment);
        CheckpointMetadata snapshot = loadSnapshot(options.savepoint);
        Map<OperatorID, OperatorState> snapshotStates = new LinkedHashMap<>();
        snapshot.getOperatorStates().forEach(s -> snapshotStates.put(s.getOperatorID(), s));

        // The graph as the job builds it, with its real sources and sinks: which operators this build has.
        StreamGraph real = streamGraph(config, HarbingerPipeline.LIVE);
        Map<OperatorID, GraphOperator> nodes = nodesById(real);
        Map<OperatorID, String> knownUids = knownUids(nodes);

        List<Operator> operators = new ArrayList<>();
        for (Map.Entry<OperatorID, GraphOperator> e : nodes.entrySet()) {
            OperatorState state = snapshotStates.get(e.getKey());
            GraphOperator node = e.getValue();
            Operator op = new Operator(e.getKey().toHexString(), node.uid, node.name,
                    state == null ? Status.NEW : Status.RESTORED, state == null ? "starts empty" : describe(state),
                    state != null && holdsState(state), null);
            // Flink names only the first such operator and stops; the gate names all of them.
            if (op.holdsState && state.getMaxParallelism() != config.job().maxParallelism()) {
                op.status = Status.INCOMPATIBLE;
                op.reason = "max parallelism mismatch: the snapshot's state has max parallelism "
                        + state.getMaxParallelism() + ", job.max-parallelism is " + config.job().maxParallelism()
                        + "; Flink cannot map it (restore with the old job.max-parallelism)";
            }
            operators.add(op);
        }
        for (OperatorState state : snapshotStates.values()) {
            if (!nodes.containsKey(state.getOperatorID())) {
                operators.add(new Operator(state.getOperatorID().toHexString(),
                        knownUids.get(state.getOperatorID()), null, Status.LEFT_BEHIND, describe(state),
                        holdsState(state), null));
            }
        }

        RestoreRun run = restore(config, options.savepoint, options.timeout);
        if (run.failure != null) {
            attribute(run, operators, nodes);
        }
        return new UpgradeReport(options.savepoint, options.config != null ? options.config.toString()
                : options.msfProperties.toString(), config.job().maxParallelism(), snapshot.getCheckpointId(),
                operators, run.restored, run.checkpointed, run.failure);
    }

    static JobConfig config(Options options, Map<String, String> environment) throws IOException {
        JobConfigLoader loader = new JobConfigLoader(environment);
        if (options.config != null) {
            return loader.load(options.config, options.overrides);
        }
        String source = options.msfProperties.toString();
        if (!Files.isReadable(options.msfProperties)) {
            throw new ConfigException(source, List.of("file not found"));
        }
        Map<String, Properties> groups = KinesisAnalyticsRuntime.getApplicationProperties(source);
        return MsfPropertyGroups.load(loader, groups, source, options.overrides);
    }

    static CheckpointMetadata loadSnapshot(String path) {
        try {
            return SavepointLoader.loadSavepointMetadata(path);
        } catch (Exception | LinkageError e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new UnreadableInput("cannot read the snapshot at " + path + ": " + reason
                    + " (expected a savepoint or retained checkpoint folder holding a readable _metadata file)", e);
        }
    }

    private static StreamGraph streamGraph(JobConfig config, HarbingerPipeline.Endpoints endpoints) {
        Configuration flink = FlinkSettings.pipelineConfiguration(config);
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(flink);
        // Checkpointing on, so sources and sinks are built as for a streaming job; the gate triggers its one
        // checkpoint itself.
        env.enableCheckpointing(Duration.ofDays(1).toMillis());
        env.setParallelism(1);
        HarbingerPipeline.build(env, config, endpoints);
        return env.getStreamGraph();
    }

    /** One operator of the graph this build makes. */
    static final class GraphOperator {
        final String uid;
        final String name;
        final List<String> classes;

        GraphOperator(String uid, String name, List<String> classes) {
            this.uid = uid;
            this.name = name;
            this.classes = classes;
        }
    }

    /** Every operator of the graph under the id Flink derives from its uid (operators without one: by hash). */
    private static Map<OperatorID, GraphOperator> nodesById(StreamGraph graph) {
        Map<OperatorID, GraphOperator> byId = new LinkedHashMap<>();
        for (StreamNode n : graph.getStreamNodes()) {
            if (n.getTransformationUID() != null) {
                byId.put(OperatorIdentifier.forUid(n.getTransformationUID()).getOperatorId(),
                        new GraphOperator(n.getTransformationUID(), n.getOperatorName(), userClasses(n)));
            }
        }
        Map<OperatorID, GraphOperator> nodes = new LinkedHashMap<>();
        for (JobVertex vertex : graph.getJobGraph().getVertices()) {
            for (OperatorIDPair pair : vertex.getOperatorIDs()) {
                OperatorID id = pair.getGeneratedOperatorID();
                // No uid: named after its task; its state could not follow it across builds anyway.
                nodes.put(id, byId.getOrDefault(id, new GraphOperator(null, vertex.getName(), List.of())));
            }
        }
        return nodes;
    }

    /**
     * Names for operator ids that the graph no longer has: the uids this build knows (its graph and the uid
     * constants of {@link HarbingerPipeline.Uids}, which also name operators that only some configs have and
     * retired ones), each also as the committer Flink derives for a sink of that uid. Only names: what is
     * restored and what is left behind comes from the graph and the snapshot.
     */
    private static Map<OperatorID, String> knownUids(Map<OperatorID, GraphOperator> nodes) {
        List<String> uids = new ArrayList<>();
        for (Field f : HarbingerPipeline.Uids.class.getFields()) {
            if (!Modifier.isStatic(f.getModifiers())) continue;
            try {
                Object value = f.get(null);
                if (value instanceof String) {
                    uids.add((String) value);
                } else if (value instanceof List) {
                    for (Object uid : (List<?>) value) uids.add(String.valueOf(uid));
                }
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        Map<OperatorID, String> names = new LinkedHashMap<>();
        for (String uid : uids) {
            // Flink's SinkTransformationTranslator names a sink's committer so.
            for (String name : List.of(uid, "Sink Committer: " + uid)) {
                names.put(OperatorIdentifier.forUid(name).getOperatorId(), name);
            }
        }
        nodes.forEach((id, n) -> {
            if (n.uid != null) names.put(id, n.uid);
        });
        return names;
    }

    static boolean holdsState(OperatorState state) {
        if (state.getCoordinatorState() != null) return true;
        for (OperatorSubtaskState s : state.getStates()) {
            if (s.hasState()) return true;
        }
        return false;
    }

    /** What the snapshot holds for one operator, in words: what allowNonRestoredState would drop. */
    static String describe(OperatorState state) {
        long keyed = 0;
        long raw = 0;
        TreeSet<String> operatorStates = new TreeSet<>();
        for (OperatorSubtaskState s : state.getStates()) {
            keyed += s.getManagedKeyedState().getStateSize();
            raw += s.getRawKeyedState().getStateSize() + s.getRawOperatorState().getStateSize();
            for (OperatorStateHandle h : s.getManagedOperatorState()) {
                operatorStates.addAll(h.getStateNameToPartitionOffsets().keySet());
            }
        }
        List<String> parts = new ArrayList<>();
        if (keyed > 0) parts.add("keyed state " + bytes(keyed) + " (max parallelism " + state.getMaxParallelism() + ")");
        if (!operatorStates.isEmpty()) parts.add("operator state " + operatorStates);
        if (raw > 0) parts.add("raw state " + bytes(raw));
        if (state.getCoordinatorState() != null) {
            parts.add("coordinator state " + bytes(state.getCoordinatorState().getStateSize()));
        }
        return parts.isEmpty() ? "no state" : String.join("; ", parts);
    }

    private static String bytes(long n) {
        return n < 1024 ? n + " B" : n < 1024 * 1024 ? String.format("%.1f KiB", n / 1024.0)
                : String.format("%.1f MiB", n / (1024.0 * 1024));
    }

    /** What Flink said when it restored the snapshot into the cut-off graph. */
    static final class RestoreRun {
        boolean restored;
        boolean checkpointed;
        Throwable failure;
        JobGraph graph;
    }

    static RestoreRun restore(JobConfig config, String savepoint, Duration timeout) throws Exception {
        RestoreRun run = new RestoreRun();
        Path work = Files.createTempDirectory("harbinger-upgrade-check");
        try {
            // Flink's own checks on state that this graph does not have are the gate's to report, from the
            // graph and the snapshot; the run lets it go, to get to the restore of everything else.
            run.graph = streamGraph(config, new CutOffEndpoints()).getJobGraph();
            run.graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, true));
            Configuration flink = clusterConfiguration(config, work);
            MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(flink)
                    .setNumTaskManagers(1).setNumSlotsPerTaskManager(1).build());
            try {
                cluster.start();
                JobID job = cluster.submitJob(run.graph).get().getJobID();
                CompletableFuture<JobResult> result = cluster.requestJobResult(job);
                long deadline = System.nanoTime() + timeout.toNanos();
                while (!run.checkpointed && run.failure == null) {
                    if (result.isDone()) {
                        run.failure = failureOf(result.get());
                    } else if (System.nanoTime() > deadline) {
                        run.failure = new TimeoutException("no checkpoint within " + timeout.toSeconds() + " s after"
                                + " the restore started (job status " + cluster.getJobStatus(job).get() + ")");
                    } else if (cluster.getJobStatus(job).get() == JobStatus.RUNNING) {
                        try {
                            cluster.triggerCheckpoint(job).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                            run.restored = true;
                            run.checkpointed = true;
                        } catch (ExecutionException notYet) {
                            // Tasks still starting (or failing: the job result says which).
                            Thread.sleep(200);
                        }
                    } else {
                        Thread.sleep(100);
                    }
                }
                if (!result.isDone()) cluster.cancelJob(job).get();
            } finally {
                cluster.close();
            }
        } finally {
            FileUtils.deleteDirectoryQuietly(work.toFile());
        }
        return run;
    }

    private static Throwable failureOf(JobResult result) {
        return result.getSerializedThrowable()
                .map(t -> t.deserializeError(UpgradeCheck.class.getClassLoader()))
                .orElse(new IllegalStateException("the job ended (" + result.getApplicationStatus()
                        + ") before a checkpoint"));
    }

    /** Local only: the gate's checkpoint goes to a temporary folder, never to the job's storage. */
    private static Configuration clusterConfiguration(JobConfig config, Path work) {
        Configuration flink = FlinkSettings.pipelineConfiguration(config);
        flink.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, work.resolve("checkpoints").toUri().toString());
        flink.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, work.resolve("savepoints").toUri().toString());
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        flink.set(RestOptions.ADDRESS, "127.0.0.1");
        flink.set(RestOptions.BIND_PORT, "0");
        flink.set(JobManagerOptions.ADDRESS, "127.0.0.1");
        flink.set(TaskManagerOptions.HOST, "127.0.0.1");
        flink.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(128));
        return flink;
    }

    /**
     * Which operator Flink's failure is about: an operator id in its messages (keyed state backends name
     * theirs), else a task id (the key-group checks name the task), else the operator class that threw.
     */
    static void attribute(RestoreRun run, List<Operator> operators, Map<OperatorID, GraphOperator> nodes) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = run.failure; t != null && !chain.contains(t); t = t.getCause()) chain.add(t);
        String reason = reason(chain);
        StringBuilder text = new StringBuilder();
        chain.forEach(t -> text.append(t).append('\n'));
        List<String> blamed = new ArrayList<>();
        for (Operator op : operators) {
            if (text.indexOf(op.operatorId) >= 0) blamed.add(op.operatorId);
        }
        if (blamed.isEmpty()) {
            for (JobVertex vertex : run.graph.getVertices()) {
                if (text.indexOf(vertex.getID().toHexString()) >= 0) {
                    for (OperatorIDPair pair : vertex.getOperatorIDs()) {
                        String id = pair.getGeneratedOperatorID().toHexString();
                        operators.stream().filter(o -> o.operatorId.equals(id) && o.holdsState)
                                .forEach(o -> blamed.add(o.operatorId));
                    }
                }
            }
        }
        if (blamed.isEmpty()) {
            outer:
            for (Throwable t : chain) {
                for (StackTraceElement frame : t.getStackTrace()) {
                    for (Map.Entry<OperatorID, GraphOperator> e : nodes.entrySet()) {
                        if (e.getValue().classes.contains(frame.getClassName())) {
                            blamed.add(e.getKey().toHexString());
                            break outer;
                        }
                    }
                }
            }
        }
        for (Operator op : operators) {
            if (blamed.contains(op.operatorId)) {
                op.status = Status.INCOMPATIBLE;
                op.reason = reason;
            }
        }
    }

    /** The innermost message that says something: Flink wraps the real reason in generic ones. */
    static String reason(List<Throwable> chain) {
        for (int i = chain.size() - 1; i >= 0; i--) {
            String message = chain.get(i).getMessage();
            if (message != null && !message.isBlank()) return chain.get(i).getClass().getSimpleName() + ": " + message;
        }
        return chain.get(0).toString();
    }

    private static List<String> userClasses(StreamNode node) {
        List<String> classes = new ArrayList<>();
        StreamOperatorFactory<?> factory = node.getOperatorFactory();
        if (factory instanceof SimpleOperatorFactory) {
            Object operator = ((SimpleOperatorFactory<?>) factory).getOperator();
            classes.add(operator.getClass().getName());
            if (operator instanceof AbstractUdfStreamOperator) {
                classes.add(((AbstractUdfStreamOperator<?, ?>) operator).getUserFunction().getClass().getName());
            }
        }
        return classes;
    }
}
