package io.harbinger.stream.records;

import java.nio.ByteBuffer;

/**
 * The Confluent Schema Registry wire format: magic byte 0, the writer schema id as a 4-byte big-endian int,
 * then the Avro binary encoding of the record.
 */
public final class WireFormat {
    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_LENGTH = 5;

    private WireFormat() {}

    public static byte[] header(int schemaId) {
        return ByteBuffer.allocate(HEADER_LENGTH).put(MAGIC_BYTE).putInt(schemaId).array();
    }

    /** The schema id of a payload whose header was checked with {@link #headerProblem}. */
    public static int schemaId(byte[] payload) {
        return ByteBuffer.wrap(payload, 1, 4).getInt();
    }

    /** Why a payload is not in the wire format, or null when its header is fine. */
    public static String headerProblem(byte[] payload) {
        if (payload.length < HEADER_LENGTH) {
            return "value has " + payload.length + " bytes, fewer than the 5-byte wire-format header";
        }
        if (payload[0] != MAGIC_BYTE) {
            return String.format("magic byte is 0x%02x, expected 0x00 (Confluent wire format)", payload[0]);
        }
        return null;
    }
}
