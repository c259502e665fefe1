package io.harbinger.stream.testing;

import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.records.WireFormat;
import io.harbinger.stream.registry.AvroWireEncoder;

import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Random;

/**
 * Builders of malformed wire-format payloads for the current GeopoliticalEvent schema: hand-written Avro
 * bodies (any field value, including ones the generated class could never hold, such as invalid UTF-8) and a
 * seeded fuzzer. Deterministic for a given seed, so a failure names a payload that can be replayed.
 */
public final class BadPayloads {
    public final int schemaId;
    private final AvroWireEncoder<GeopoliticalEvent> encoder;

    public BadPayloads(int schemaId) {
        this.schemaId = schemaId;
        this.encoder = AvroWireEncoder.specific(GeopoliticalEvent.getClassSchema(), schemaId);
    }

    public byte[] encode(GeopoliticalEvent event) {
        return encoder.encode(event);
    }

    /** A wire-format payload with this schema id and a hand-written body. */
    public byte[] body(BodyWriter writer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(WireFormat.header(schemaId));
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.write(encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * A complete v2 body with raw UTF-8 bytes for the two string fields, so that they can hold bytes no Java
     * string encodes to (invalid UTF-8).
     */
    public byte[] rawStrings(byte[] eventId, long timestamp, byte[] countryCode, int enumIndex, double severity) {
        return body(e -> {
            e.writeBytes(eventId);           // a string is written exactly like bytes: length, then the bytes
            e.writeLong(timestamp);
            e.writeBytes(countryCode);
            e.writeEnum(enumIndex);
            e.writeDouble(severity);
            e.writeIndex(0);                 // source_url null
            e.writeIndex(0);                 // num_mentions null
            e.writeIndex(0);                 // goldstein_scale null
        });
    }

    /** One random payload: noise, a valid header with noise, or a valid record mutated, cut or re-labelled. */
    public byte[] fuzz(Random random) {
        GeopoliticalEvent base = GeopoliticalEvent.newBuilder()
                .setEventId("fz-" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36))
                .setTimestamp(TestEvents.T0 + random.nextInt(60_000))
                .setCountryCode(random.nextBoolean() ? "UA" : "FR")
                .setEventType(EventType.values()[random.nextInt(EventType.values().length)])
                .setSeverity(random.nextDouble())
                .setSourceUrl(random.nextBoolean() ? null : "https://example.org/" + random.nextInt(1000))
                .setNumMentions(random.nextBoolean() ? null : random.nextInt())
                .setGoldsteinScale(random.nextBoolean() ? null : random.nextDouble() * 20 - 10)
                .build();
        byte[] good = encode(base);
        switch (random.nextInt(6)) {
            case 0: { // pure noise
                byte[] b = new byte[random.nextInt(64)];
                random.nextBytes(b);
                return b;
            }
            case 1: { // a valid header, then noise
                byte[] b = Arrays.copyOf(WireFormat.header(schemaId), WireFormat.HEADER_LENGTH + random.nextInt(64));
                for (int i = WireFormat.HEADER_LENGTH; i < b.length; i++) {
                    b[i] = (byte) random.nextInt(256);
                }
                return b;
            }
            case 2: // a valid record cut short
                return Arrays.copyOf(good, WireFormat.HEADER_LENGTH + random.nextInt(good.length - WireFormat.HEADER_LENGTH));
            case 3: { // a valid record with trailing bytes
                byte[] b = Arrays.copyOf(good, good.length + 1 + random.nextInt(8));
                for (int i = good.length; i < b.length; i++) {
                    b[i] = (byte) random.nextInt(256);
                }
                return b;
            }
            case 4: { // a valid record labelled with another (mostly unknown) schema id
                byte[] b = good.clone();
                System.arraycopy(WireFormat.header(random.nextInt(64) - 8), 0, b, 0, WireFormat.HEADER_LENGTH);
                return b;
            }
            default: { // a valid record with 1-4 bytes of its body overwritten
                byte[] b = good.clone();
                for (int n = 1 + random.nextInt(4); n > 0; n--) {
                    b[WireFormat.HEADER_LENGTH + random.nextInt(b.length - WireFormat.HEADER_LENGTH)] =
                            (byte) random.nextInt(256);
                }
                return b;
            }
        }
    }

    public static String hex(byte[] b) {
        if (b == null) return "null";
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 128); i++) {
            s.append(String.format("%02x", b[i]));
        }
        return s.append(b.length > 128 ? "..." : "").toString();
    }

    public interface BodyWriter {
        void write(BinaryEncoder encoder) throws IOException;
    }
}
