package io.harbinger.stream.source;

import io.harbinger.stream.registry.RegistryUnavailableException;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.validate.Envelope;
import io.harbinger.stream.validate.EventValidator;
import io.harbinger.stream.validate.RecordValidator;
import io.harbinger.stream.validate.ValidationMetrics;
import io.harbinger.stream.validate.WireDecoder;

import org.apache.flink.metrics.MetricGroup;

import java.io.Serializable;

/**
 * Decode, validate and count one raw record: the part of the Kafka and the Kinesis deserializers that does not
 * depend on where the record came from. Bad records come out as rejected envelopes; only a registry outage
 * throws, failing the task.
 */
public class ValidatingDecoder implements Serializable {
    private static final long serialVersionUID = 1L;

    private final SchemaRegistryClient registry;
    private final EventValidator rules;
    private final long maxPayloadBytes;
    private transient RecordValidator validator;
    private transient ValidationMetrics metrics;

    public ValidatingDecoder(SchemaRegistryClient registry, EventValidator rules, long maxPayloadBytes) {
        this.registry = registry;
        this.rules = rules;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /** In the deserializer's open(): the decoder and the counters in the source's metric group. */
    public void open(MetricGroup group) {
        validator = new RecordValidator(WireDecoder.forEvents(registry, maxPayloadBytes), rules);
        metrics = new ValidationMetrics(group, registry);
    }

    public Envelope decode(RawRecord raw) throws RegistryUnavailableException {
        Envelope envelope = validator.validate(raw);
        metrics.count(envelope);
        return envelope;
    }
}
