package io.harbinger.stream.sink;

import io.harbinger.stream.config.JobConfig.MetricsSettings;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;

/** What an upsert sink counts, in the job's metric group of its writer. */
public final class UpsertMetrics {
    private final Counter rowsUpserted;
    private final Counter retries;

    public UpsertMetrics(Counter rowsUpserted, Counter retries) {
        this.rowsUpserted = rowsUpserted;
        this.retries = retries;
    }

    public static UpsertMetrics register(MetricsSettings settings, MetricGroup writerGroup) {
        MetricGroup job = settings.jobGroup(writerGroup);
        return new UpsertMetrics(job.counter("upsertedRows"), job.counter("upsertRetries"));
    }

    /** Counters that no reporter sees, for code that runs outside a Flink task. */
    public static UpsertMetrics unregistered() {
        return new UpsertMetrics(new SimpleCounter(), new SimpleCounter());
    }

    public Counter rowsUpserted() {
        return rowsUpserted;
    }

    public Counter retries() {
        return retries;
    }
}
