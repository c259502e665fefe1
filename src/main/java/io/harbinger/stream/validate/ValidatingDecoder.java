package io.harbinger.stream.validate;

import io.harbinger.stream.config.JobConfig.MetricsSettings;
import io.harbinger.stream.records.Envelope;
import io.harbinger.stream.records.RawRecord;
import io.harbinger.stream.registry.RegistryUnavailableException;
import io.harbinger.stream.registry.SchemaRegistryClient;

import org.apache.flink.metrics.MetricGroup;

import java.io.Serializable;

/**
 * Decode, validate and count one raw record: the part of the Kafka and the Kinesis deserializers that does not
 * depend on where the record came from. Bad records come out as rejected envelopes; only a registry outage
 * throws, failing the task. It counts only where {@link MetricsSettings#validationCountedInSource()} says so
 * (on a cluster); otherwise {@link io.harbinger.stream.validate.SplitByValidity} counts the same records.
 */
public class ValidatingDecoder implements Serializable {
    private static final long serialVersionUID = 1L;

    private final SchemaRegistryClient registry;
    private final EventValidator rules;
    private final long maxPayloadBytes;
    private final MetricsSettings metricsSettings;
    private transient RecordValidator validator;
    /** Null where the stage's counters are registered downstream (see the class comment). */
    private transient ValidationMetrics metrics;

    public ValidatingDecoder(SchemaRegistryClient registry, EventValidator rules, long maxPayloadBytes,
                             MetricsSettings metricsSettings) {
        this.registry = registry;
        this.rules = rules;
        this.maxPayloadBytes = maxPayloadBytes;
        this.metricsSettings = metricsSettings;
    }

    /** In the deserializer's open(): the decoder and, on a cluster, the counters in the source's metric group. */
    public void open(MetricGroup group) {
        validator = new RecordValidator(WireDecoder.forEvents(registry, maxPayloadBytes), rules);
        metrics = metricsSettings.validationCountedInSource()
                ? new ValidationMetrics(metricsSettings.jobGroup(group), registry) : null;
    }

    public Envelope decode(RawRecord raw) throws RegistryUnavailableException {
        Envelope envelope = validator.validate(raw);
        if (metrics != null) {
            metrics.count(envelope);
        }
        return envelope;
    }
}
