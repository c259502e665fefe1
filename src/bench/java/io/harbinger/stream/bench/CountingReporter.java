package io.harbinger.stream.bench;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A metric reporter that only remembers the job's {@code harbinger.recordsIn} counters (one per source
 * subtask), so that the benchmark, which runs the MiniCluster in its own JVM, can read the exact number of
 * records the job has read at any moment without polling the REST API.
 */
public final class CountingReporter implements MetricReporter {
    private static final List<Counter> RECORDS_IN = new CopyOnWriteArrayList<>();

    /** Sum over the source subtasks alive now and before (a restarted subtask registers a new counter). */
    public static long recordsIn() {
        long sum = 0;
        for (Counter c : RECORDS_IN) {
            sum += c.getCount();
        }
        return sum;
    }

    public static void reset() {
        RECORDS_IN.clear();
    }

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        if ("recordsIn".equals(name) && metric instanceof Counter counter
                && group.getMetricIdentifier(name).contains("harbinger")) {
            RECORDS_IN.add(counter);
        }
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        // Keep it: its count is still part of what the job has read.
    }

    /** Found through META-INF/services; named in the cluster configuration by class. */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new CountingReporter();
        }
    }
}
