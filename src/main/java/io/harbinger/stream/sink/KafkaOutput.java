package io.harbinger.stream.sink;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.util.Arrays;
import java.util.Objects;

/**
 * One record for one of the job's Kafka topics, already serialized: what the single transactional sink of all
 * Kafka outputs ({@link KafkaSinks#forDelivery}) writes. Each output's serializer in this package makes it; the
 * job wiring unions them. A Flink POJO (public fields, no-arg constructor, arrays of primitive and String types)
 * so that it crosses the network to the sink without Kryo.
 */
public class KafkaOutput {
    public String topic;
    public byte[] key;
    public byte[] value;
    /** Header keys and values in order; a value may be null, as in Kafka. */
    public String[] headerKeys;
    public byte[][] headerValues;
    /** The record timestamp (epoch millis), or null to let the producer stamp the time of writing. */
    public Long timestamp;

    public KafkaOutput() {}

    public KafkaOutput(String topic, byte[] key, byte[] value, String[] headerKeys, byte[][] headerValues,
                       Long timestamp) {
        this.topic = topic;
        this.key = key;
        this.value = value;
        this.headerKeys = headerKeys;
        this.headerValues = headerValues;
        this.timestamp = timestamp;
    }

    /** What the producer sends: no partition, so Kafka's partitioner places it by key, as before. */
    public ProducerRecord<byte[], byte[]> toProducerRecord() {
        RecordHeaders headers = new RecordHeaders();
        if (headerKeys != null) {
            for (int i = 0; i < headerKeys.length; i++) {
                headers.add(headerKeys[i], headerValues[i]);
            }
        }
        return new ProducerRecord<>(topic, null, timestamp, key, value, headers);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof KafkaOutput)) return false;
        KafkaOutput r = (KafkaOutput) o;
        return Objects.equals(topic, r.topic) && Arrays.equals(key, r.key) && Arrays.equals(value, r.value)
                && Arrays.equals(headerKeys, r.headerKeys) && Arrays.deepEquals(headerValues, r.headerValues)
                && Objects.equals(timestamp, r.timestamp);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, Arrays.hashCode(key), timestamp);
    }

    @Override
    public String toString() {
        return "KafkaOutput{" + topic + ", " + (value == null ? "null" : value.length + " bytes") + "}";
    }
}
