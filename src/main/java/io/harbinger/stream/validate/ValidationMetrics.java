package io.harbinger.stream.validate;

import io.harbinger.stream.registry.SchemaRegistryClient;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

import java.util.EnumMap;
import java.util.Map;

/** Counters of the decode-and-validate stage, in the metric group of the operator that runs it. */
public class ValidationMetrics {
    private final Counter recordsIn;
    private final Counter valid;
    private final Map<Reason, Counter> rejectedByReason = new EnumMap<>(Reason.class);

    public ValidationMetrics(MetricGroup group, SchemaRegistryClient registry) {
        MetricGroup harbinger = group.addGroup("harbinger");
        recordsIn = harbinger.counter("recordsIn");
        valid = harbinger.counter("recordsValid");
        for (Reason reason : Reason.values()) {
            if (reason != Reason.LATE) {
                rejectedByReason.put(reason, harbinger.addGroup("reason", reason.name()).counter("recordsDeadLettered"));
            }
        }
        harbinger.gauge("registryRequests", (Gauge<Long>) registry::requestCount);
        harbinger.gauge("registryCacheHits", (Gauge<Long>) registry::cacheHitCount);
    }

    public void count(Envelope envelope) {
        recordsIn.inc();
        if (envelope.isValid()) {
            valid.inc();
        } else {
            rejectedByReason.get(envelope.reason).inc();
        }
    }
}
