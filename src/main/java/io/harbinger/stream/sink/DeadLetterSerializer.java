package io.harbinger.stream.sink;

import io.harbinger.stream.records.Envelope;
import io.harbinger.stream.records.RawRecord;

import org.apache.flink.api.common.functions.MapFunction;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes a rejected or late record with its original key, value and headers untouched, plus headers that
 * say why and where it came from, so that it can be understood, fixed and replayed.
 */
public class DeadLetterSerializer implements MapFunction<Envelope, KafkaOutput> {
    private static final long serialVersionUID = 1L;
    private static final String[] ADDED = {DeadLetterHeaders.REASON, DeadLetterHeaders.MESSAGE,
            DeadLetterHeaders.SOURCE_TOPIC, DeadLetterHeaders.SOURCE_PARTITION, DeadLetterHeaders.SOURCE_OFFSET,
            DeadLetterHeaders.SOURCE_TIMESTAMP};
    private final String topic;

    public DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public KafkaOutput map(Envelope envelope) {
        RawRecord raw = envelope.raw;
        int original = raw.headerKeys == null ? 0 : raw.headerKeys.length;
        // copies: the envelope itself stays untouched (it may be checkpointed or sent elsewhere)
        String[] keys = Arrays.copyOf(raw.headerKeys == null ? new String[0] : raw.headerKeys, original + ADDED.length);
        byte[][] values = Arrays.copyOf(raw.headerValues == null ? new byte[0][] : raw.headerValues,
                original + ADDED.length);
        System.arraycopy(ADDED, 0, keys, original, ADDED.length);
        byte[][] added = {utf8(envelope.reason.name()), utf8(envelope.message), utf8(raw.source),
                utf8(raw.partition), utf8(raw.position), utf8(String.valueOf(raw.timestamp))};
        System.arraycopy(added, 0, values, original, added.length);
        // Stamped with the time of dead-lettering: retention then counts from now, not from when the original
        // was written (a replayed backlog would otherwise expire at once). The original time is in a header.
        return new KafkaOutput(topic, raw.key, raw.value, keys, values, null);
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
