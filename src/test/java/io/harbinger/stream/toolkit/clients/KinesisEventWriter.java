package io.harbinger.stream.toolkit.clients;

import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.registry.AvroWireEncoder;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.toolkit.services.KinesisLocal;

import java.util.ArrayList;
import java.util.List;

/**
 * The Kinesis twin of {@link EventProducer}: Avro in the wire format under the "{stream}-value" subject,
 * partition key = event_id, so that Kinesis spreads events over the shards by its hash as a real producer's
 * would. Records are buffered and written with PutRecords on {@link #flush()}, in the order sent.
 */
public final class KinesisEventWriter {
    private final KinesisLocal kinesis;
    private final String stream;
    private final AvroWireEncoder<GeopoliticalEvent> encoder;
    private final List<String> keys = new ArrayList<>();
    private final List<byte[]> values = new ArrayList<>();

    public KinesisEventWriter(KinesisLocal kinesis, SchemaRegistryClient registry, String stream) throws Exception {
        this.kinesis = kinesis;
        this.stream = stream;
        this.encoder = encoder(registry, stream);
    }

    /** Registers the current event schema under the stream's subject and encodes with its id. */
    public static AvroWireEncoder<GeopoliticalEvent> encoder(SchemaRegistryClient registry, String stream)
            throws Exception {
        return AvroWireEncoder.specific(GeopoliticalEvent.getClassSchema(),
                registry.register(EventProducer.subjectOf(stream), GeopoliticalEvent.getClassSchema()));
    }

    public void send(GeopoliticalEvent event) {
        sendRaw(event.getEventId(), encoder.encode(event));
    }

    /** Any bytes, under a partition key of the caller's (Kinesis requires a non-empty one). */
    public void sendRaw(String partitionKey, byte[] value) {
        keys.add(partitionKey);
        values.add(value);
    }

    /** Writes what was sent since the last flush; returns how many records that was. */
    public int flush() {
        kinesis.put(stream, keys, values);
        int written = values.size();
        keys.clear();
        values.clear();
        return written;
    }
}
