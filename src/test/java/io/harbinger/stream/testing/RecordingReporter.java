package io.harbinger.stream.testing;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.LogicalScopeProvider;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Flink metric reporter that remembers every metric a MiniCluster registers, with its logical scope (the
 * groups Prometheus builds names from) and variables (the key-value groups, which become Prometheus labels and,
 * on Managed Service for Apache Flink, CloudWatch dimensions). Each run of a test gets its own list through
 * {@link #configuration(String)}. Found through META-INF/services.
 */
public final class RecordingReporter implements MetricReporter {
    private static final Map<String, List<Registration>> RUNS = new ConcurrentHashMap<>();
    private static final String OPERATOR_SCOPE = "taskmanager.job.task.operator";

    /** Flink's own scope variables (ScopeFormat); every other variable comes from a key-value group. */
    private static final List<String> SYSTEM_VARIABLES = List.of("<host>", "<tm_id>", "<job_id>", "<job_name>",
            "<task_id>", "<task_name>", "<task_attempt_id>", "<task_attempt_num>", "<subtask_index>",
            "<operator_id>", "<operator_name>");

    /**
     * One registered metric.
     *
     * @param logicalScope e.g. {@code taskmanager.job.task.operator.kinesisanalytics.reason}
     * @param variables    every variable of its group, e.g. {@code <operator_name>} and {@code <reason>}
     */
    public record Registration(String name, String logicalScope, Map<String, String> variables, Metric metric) {
        public boolean inOperator() {
            return logicalScope.equals(OPERATOR_SCOPE) || logicalScope.startsWith(OPERATOR_SCOPE + ".");
        }

        /** The groups below the operator's scope, e.g. {@code kinesisanalytics.reason}; empty for none. */
        public String userScope() {
            return logicalScope.length() > OPERATOR_SCOPE.length() ? logicalScope.substring(OPERATOR_SCOPE.length() + 1)
                    : "";
        }

        public String operatorName() {
            return variables.get("<operator_name>");
        }

        /** The variables of key-value groups, without the brackets: what becomes a label or a dimension. */
        public Map<String, String> userVariables() {
            Map<String, String> out = new LinkedHashMap<>();
            variables.forEach((k, v) -> {
                if (!SYSTEM_VARIABLES.contains(k)) {
                    out.put(k.substring(1, k.length() - 1), v);
                }
            });
            return out;
        }

        /** A counter's count or a numeric gauge's value. */
        public double value() {
            if (metric instanceof Counter c) {
                return c.getCount();
            }
            if (metric instanceof Gauge<?> g && g.getValue() instanceof Number n) {
                return n.doubleValue();
            }
            throw new IllegalStateException(name + " in " + logicalScope + " is neither a counter nor a numeric gauge");
        }
    }

    private String run;

    /** Cluster settings that add this reporter, recording into the list of {@code run}. */
    public static Configuration configuration(String run) {
        Configuration conf = new Configuration();
        conf.setString("metrics.reporter.recording.factory.class", Factory.class.getName());
        conf.setString("metrics.reporter.recording.run", run);
        return conf;
    }

    /** What the run has registered so far (a snapshot; metrics of ended tasks stay in it). */
    public static List<Registration> of(String run) {
        return new ArrayList<>(RUNS.getOrDefault(run, List.of()));
    }

    @Override
    public void open(MetricConfig config) {
        run = config.getString("run", "default");
        RUNS.computeIfAbsent(run, r -> new CopyOnWriteArrayList<>());
    }

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        String scope = LogicalScopeProvider.castFrom(group).getLogicalScope(input -> input, '.');
        RUNS.get(run).add(new Registration(name, scope, Map.copyOf(group.getAllVariables()), metric));
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        // Kept: the test reads what was registered, also after the job ended.
    }

    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new RecordingReporter();
        }
    }
}
