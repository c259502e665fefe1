package io.harbinger.stream.validate;

import io.harbinger.stream.config.JobConfig.MetricsSettings;
import io.harbinger.stream.records.Envelope;
import io.harbinger.stream.records.RawRecord;
import io.harbinger.stream.registry.SchemaRegistryClient;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.io.IOException;

/**
 * Keeps every Kafka record whole (topic, partition, offset, timestamp, key, value, headers) and decodes and
 * validates it right in the source, so that watermarks are generated per partition from real event times.
 * Bad records come out as rejected envelopes; only a registry outage throws, failing the task.
 */
public class KafkaEnvelopeDeserializer implements KafkaRecordDeserializationSchema<Envelope> {
    private static final long serialVersionUID = 1L;

    private final ValidatingDecoder decoder;

    public KafkaEnvelopeDeserializer(SchemaRegistryClient registry, EventValidator rules, long maxPayloadBytes,
                                     MetricsSettings metrics) {
        this.decoder = new ValidatingDecoder(registry, rules, maxPayloadBytes, metrics);
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        decoder.open(context.getMetricGroup());
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Envelope> out) throws IOException {
        out.collect(decoder.decode(toRaw(record)));
    }

    static RawRecord toRaw(ConsumerRecord<byte[], byte[]> record) {
        Header[] headers = record.headers().toArray();
        String[] keys = new String[headers.length];
        byte[][] values = new byte[headers.length][];
        for (int i = 0; i < headers.length; i++) {
            keys[i] = headers[i].key();
            values[i] = headers[i].value();
        }
        return new RawRecord(record.topic(), String.valueOf(record.partition()), String.valueOf(record.offset()),
                record.timestamp(), record.key(), record.value(), keys, values);
    }

    @Override
    public TypeInformation<Envelope> getProducedType() {
        return TypeInformation.of(Envelope.class);
    }
}
