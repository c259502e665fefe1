package io.harbinger.stream.sink;

import io.harbinger.stream.records.Envelope;
import io.harbinger.stream.records.RawRecord;

import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;

/**
 * Writes a rejected or late record with its original key, value and headers untouched, plus headers that
 * say why and where it came from, so that it can be understood, fixed and replayed.
 */
public class DeadLetterSerializer implements KafkaRecordSerializationSchema<Envelope> {
    private static final long serialVersionUID = 1L;
    private final String topic;

    public DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(Envelope envelope, KafkaSinkContext context, Long timestamp) {
        RawRecord raw = envelope.raw;
        RecordHeaders headers = new RecordHeaders();
        if (raw.headerKeys != null) {
            for (int i = 0; i < raw.headerKeys.length; i++) {
                headers.add(raw.headerKeys[i], raw.headerValues[i]);
            }
        }
        headers.add(DeadLetterHeaders.REASON, utf8(envelope.reason.name()));
        headers.add(DeadLetterHeaders.MESSAGE, utf8(envelope.message));
        headers.add(DeadLetterHeaders.SOURCE_TOPIC, utf8(raw.source));
        headers.add(DeadLetterHeaders.SOURCE_PARTITION, utf8(raw.partition));
        headers.add(DeadLetterHeaders.SOURCE_OFFSET, utf8(raw.position));
        headers.add(DeadLetterHeaders.SOURCE_TIMESTAMP, utf8(String.valueOf(raw.timestamp)));
        // Stamped with the time of dead-lettering: retention then counts from now, not from when the original
        // was written (a replayed backlog would otherwise expire at once). The original time is in a header.
        return new ProducerRecord<>(topic, null, null, raw.key, raw.value, headers);
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
