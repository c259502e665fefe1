package io.harbinger.stream.sink;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;

/** What an upsert sink counts, in its writer's metric group. */
public record UpsertMetrics(Counter rowsUpserted, Counter retries) {

    public static UpsertMetrics register(MetricGroup writerGroup) {
        MetricGroup harbinger = writerGroup.addGroup("harbinger");
        return new UpsertMetrics(harbinger.counter("upsertedRows"), harbinger.counter("upsertRetries"));
    }

    /** Counters that no reporter sees, for code that runs outside a Flink task. */
    public static UpsertMetrics unregistered() {
        return new UpsertMetrics(new SimpleCounter(), new SimpleCounter());
    }
}
