package io.harbinger.stream.validate;

import io.harbinger.stream.config.JobConfig.MetricsSettings;
import io.harbinger.stream.records.Envelope;
import io.harbinger.stream.records.RawRecord;
import io.harbinger.stream.registry.SchemaRegistryClient;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.connectors.kinesis.serialization.KinesisDeserializationSchema;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The Kinesis twin of {@link KafkaEnvelopeDeserializer}: keeps where each record came from (stream, shard id,
 * sequence number, approximate arrival time) and decodes and validates it in the source. Bad records come out
 * as rejected envelopes; only a registry outage throws, failing the task.
 */
public class KinesisEnvelopeDeserializer implements KinesisDeserializationSchema<Envelope> {
    private static final long serialVersionUID = 1L;
    private static final String[] NO_HEADER_KEYS = new String[0];
    private static final byte[][] NO_HEADER_VALUES = new byte[0][];

    private final ValidatingDecoder decoder;

    public KinesisEnvelopeDeserializer(SchemaRegistryClient registry, EventValidator rules, long maxPayloadBytes,
                                       MetricsSettings metrics) {
        this.decoder = new ValidatingDecoder(registry, rules, maxPayloadBytes, metrics);
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        decoder.open(context.getMetricGroup());
    }

    @Override
    public Envelope deserialize(byte[] value, String partitionKey, String sequenceNumber,
                                long approximateArrivalTimestamp, String stream, String shardId) throws IOException {
        return decoder.decode(toRaw(value, partitionKey, sequenceNumber, approximateArrivalTimestamp, stream, shardId));
    }

    /**
     * Kinesis coordinates onto the source-neutral record: source = stream, partition = shard id, position =
     * sequence number, timestamp = approximate arrival time, key = the partition key (UTF-8); Kinesis records
     * have no headers.
     */
    public static RawRecord toRaw(byte[] value, String partitionKey, String sequenceNumber, long approximateArrivalTimestamp,
                           String stream, String shardId) {
        byte[] key = partitionKey == null ? null : partitionKey.getBytes(StandardCharsets.UTF_8);
        return new RawRecord(stream, shardId, sequenceNumber, approximateArrivalTimestamp, key, value,
                NO_HEADER_KEYS, NO_HEADER_VALUES);
    }

    @Override
    public TypeInformation<Envelope> getProducedType() {
        return TypeInformation.of(Envelope.class);
    }
}
