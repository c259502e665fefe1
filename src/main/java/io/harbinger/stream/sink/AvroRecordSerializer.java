package io.harbinger.stream.sink;

import io.harbinger.stream.registry.AvroWireEncoder;
import io.harbinger.stream.registry.SchemaRegistryClient;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.util.function.SerializableFunction;

import java.nio.charset.StandardCharsets;

/**
 * Writes curated records as Avro in the Confluent wire format. The schema is registered under the
 * "{topic}-value" subject when the function opens (TopicNameStrategy, what Confluent consumers expect); the
 * record key is a string so that compacted topics keep the newest revision of each window.
 */
public class AvroRecordSerializer<T extends SpecificRecord> extends RichMapFunction<T, KafkaOutput> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final String schemaJson;
    private final SchemaRegistryClient registry;
    private final SerializableFunction<T, String> keyOf;
    private transient AvroWireEncoder<T> encoder;

    public AvroRecordSerializer(String topic, Schema schema, SchemaRegistryClient registry,
                                SerializableFunction<T, String> keyOf) {
        this.topic = topic;
        this.schemaJson = schema.toString();
        this.registry = registry;
        this.keyOf = keyOf;
    }

    public static String subjectOf(String topic) {
        return topic + "-value";
    }

    @Override
    public void open(OpenContext context) throws Exception {
        Schema schema = new Schema.Parser().parse(schemaJson);
        encoder = AvroWireEncoder.specific(schema, registry.register(subjectOf(topic), schema));
    }

    @Override
    public KafkaOutput map(T record) {
        // No record timestamp: the producer stamps the time of writing. The event time is in the payload, and a
        // window's event time as the record time would let time-based retention delete a backfill's results
        // the moment they are written.
        return new KafkaOutput(topic, keyOf.apply(record).getBytes(StandardCharsets.UTF_8), encoder.encode(record),
                null, null, null);
    }
}
