package io.harbinger.stream.sink;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;

/** What an upsert sink counts, in its writer's metric group. */
public final class UpsertMetrics {
    private final Counter rowsUpserted;
    private final Counter retries;

    public UpsertMetrics(Counter rowsUpserted, Counter retries) {
        this.rowsUpserted = rowsUpserted;
        this.retries = retries;
    }

    public static UpsertMetrics register(MetricGroup writerGroup) {
        MetricGroup harbinger = writerGroup.addGroup("harbinger");
        return new UpsertMetrics(harbinger.counter("upsertedRows"), harbinger.counter("upsertRetries"));
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
