package io.harbinger.stream.validate;

import io.harbinger.stream.records.Envelope;
import io.harbinger.stream.records.Reason;
import io.harbinger.stream.registry.SchemaRegistryClient;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

import java.util.EnumMap;
import java.util.Map;

/**
 * Counters of the decode-and-validate stage, in the job's metric group ({@code harbinger} or
 * {@code kinesisanalytics}, see {@link io.harbinger.stream.config.JobConfig.MetricsSettings}) of the operator that
 * counts: the source's deserializer on a cluster, the dead-letter split on the managed service.
 */
public class ValidationMetrics {
    private final Counter recordsIn;
    private final Counter valid;
    private final Map<Reason, Counter> rejectedByReason = new EnumMap<>(Reason.class);

    /**
     * @param jobGroup the job's group of the counting operator
     * @param registry the registry client whose request and cache-hit counts become gauges, or null where the
     *                 counting operator has no client of its own
     */
    public ValidationMetrics(MetricGroup jobGroup, SchemaRegistryClient registry) {
        recordsIn = jobGroup.counter("recordsIn");
        valid = jobGroup.counter("recordsValid");
        for (Reason reason : Reason.values()) {
            if (reason != Reason.LATE) {
                rejectedByReason.put(reason, jobGroup.addGroup("reason", reason.name()).counter("recordsDeadLettered"));
            }
        }
        if (registry != null) {
            jobGroup.gauge("registryRequests", (Gauge<Long>) registry::requestCount);
            jobGroup.gauge("registryCacheHits", (Gauge<Long>) registry::cacheHitCount);
        }
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
