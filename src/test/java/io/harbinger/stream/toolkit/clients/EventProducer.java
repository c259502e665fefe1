package io.harbinger.stream.toolkit.clients;

import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.registry.AvroWireEncoder;
import io.harbinger.stream.registry.SchemaRegistryClient;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

/**
 * Writes input the way an upstream collector would: Avro in the Confluent wire format under the
 * "{topic}-value" subject, keyed by event_id. Also writes arbitrary bytes, to feed the job bad input.
 */
public final class EventProducer implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final AvroWireEncoder<SpecificRecord> encoder;

    public EventProducer(String bootstrapServers, SchemaRegistryClient registry, String topic) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        this.producer = new KafkaProducer<>(props);
        this.topic = topic;
        Schema schema = GeopoliticalEvent.getClassSchema();
        this.encoder = AvroWireEncoder.specific(schema, registry.register(subjectOf(topic), schema));
    }

    public static String subjectOf(String topic) {
        return topic + "-value";
    }

    public int schemaId() {
        return encoder.schemaId();
    }

    /** Sends to the partition Kafka's default partitioner picks for the event_id. */
    public void send(GeopoliticalEvent event) {
        sendRaw(null, key(event), encoder.encode(event));
    }

    public void send(int partition, GeopoliticalEvent event) {
        sendRaw(partition, key(event), encoder.encode(event));
    }

    public void sendRaw(Integer partition, byte[] key, byte[] value) {
        sendRaw(partition, key, value, new RecordHeaders());
    }

    public void sendRaw(Integer partition, byte[] key, byte[] value, RecordHeaders headers) {
        producer.send(new ProducerRecord<>(topic, partition, key, value, headers), (metadata, error) -> {
            if (error != null) {
                throw new IllegalStateException("could not write to " + topic, error);
            }
        });
    }

    /** Waits until everything sent so far is acknowledged. */
    public void flush() throws ExecutionException, InterruptedException {
        producer.flush();
    }

    private static byte[] key(GeopoliticalEvent event) {
        return event.getEventId().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close();
    }
}
