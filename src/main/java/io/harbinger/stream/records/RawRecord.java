package io.harbinger.stream.records;

import java.util.Arrays;
import java.util.Objects;

/**
 * One input record exactly as it was read, with where it came from, so that a dead letter can carry the
 * original key, value and headers and point back at its source. For Kafka, source is the topic, partition the
 * partition number and position the offset. A Flink POJO (public fields, no-arg constructor, arrays of
 * primitive and String types) so that it is serialized without Kryo.
 */
public class RawRecord {
    public String source;
    public String partition;
    public String position;
    /** The broker's record timestamp (epoch millis), or -1 when it had none. */
    public long timestamp;
    public byte[] key;
    public byte[] value;
    public String[] headerKeys;
    public byte[][] headerValues;

    public RawRecord() {}

    public RawRecord(String source, String partition, String position, long timestamp, byte[] key, byte[] value,
                     String[] headerKeys, byte[][] headerValues) {
        this.source = source;
        this.partition = partition;
        this.position = position;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
        this.headerKeys = headerKeys;
        this.headerValues = headerValues;
    }

    /** "topic/partition@offset", the way people name a Kafka record in logs and tickets. */
    public String describe() {
        return source + "/" + partition + "@" + position;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RawRecord)) return false;
        RawRecord r = (RawRecord) o;
        return timestamp == r.timestamp && Objects.equals(source, r.source) && Objects.equals(partition, r.partition)
                && Objects.equals(position, r.position) && Arrays.equals(key, r.key) && Arrays.equals(value, r.value)
                && Arrays.equals(headerKeys, r.headerKeys) && Arrays.deepEquals(headerValues, r.headerValues);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, partition, position, timestamp);
    }

    @Override
    public String toString() {
        return "RawRecord{" + describe() + ", " + (value == null ? "null" : value.length + " bytes") + "}";
    }
}
