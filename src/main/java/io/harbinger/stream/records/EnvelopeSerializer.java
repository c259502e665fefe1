package io.harbinger.stream.records;

import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The wire format of {@link Envelope} between operators: the raw record's fields and the event's fields
 * written one after the other, with a flag byte for what is present. It replaces the reflective
 * PojoSerializer of Envelope and RawRecord and the Avro serializer of the event, which the benchmark
 * (docs/performance.md) found to be the largest cost of the job: every valid event crosses two shuffles.
 *
 * <p>Envelopes only travel between operators and are never kept in state (window state holds accumulators),
 * so this format is not part of any savepoint. {@code EnvelopeSerializerTest} fails when GeopoliticalEvent
 * gains a field this class does not write, so a schema change cannot silently drop data here.
 */
public final class EnvelopeSerializer extends TypeSerializer<Envelope> {
    private static final long serialVersionUID = 1L;
    public static final EnvelopeSerializer INSTANCE = new EnvelopeSerializer();

    private static final EventType[] EVENT_TYPES = EventType.values();
    private static final Reason[] REASONS = Reason.values();

    private static final int HAS_EVENT = 1;
    private static final int HAS_REASON = 2;
    private static final int HAS_MESSAGE = 4;
    private static final int HAS_SOURCE_URL = 8;
    private static final int HAS_NUM_MENTIONS = 16;
    private static final int HAS_GOLDSTEIN = 32;
    private static final int HAS_RAW = 64;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<Envelope> duplicate() {
        return this; // stateless
    }

    @Override
    public Envelope createInstance() {
        return new Envelope();
    }

    @Override
    public Envelope copy(Envelope from) {
        Envelope e = new Envelope();
        e.raw = from.raw == null ? null : copy(from.raw);
        e.event = from.event == null ? null : GeopoliticalEvent.newBuilder(from.event).build();
        e.reason = from.reason;
        e.message = from.message;
        return e;
    }

    private static RawRecord copy(RawRecord r) {
        byte[][] headerValues = null;
        if (r.headerValues != null) {
            headerValues = new byte[r.headerValues.length][];
            for (int i = 0; i < headerValues.length; i++) {
                headerValues[i] = r.headerValues[i] == null ? null : r.headerValues[i].clone();
            }
        }
        return new RawRecord(r.source, r.partition, r.position, r.timestamp, r.key == null ? null : r.key.clone(),
                r.value == null ? null : r.value.clone(), r.headerKeys == null ? null : r.headerKeys.clone(),
                headerValues);
    }

    @Override
    public Envelope copy(Envelope from, Envelope reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(Envelope e, DataOutputView out) throws IOException {
        GeopoliticalEvent ev = e.event;
        int flags = (e.raw != null ? HAS_RAW : 0) | (ev != null ? HAS_EVENT : 0) | (e.reason != null ? HAS_REASON : 0)
                | (e.message != null ? HAS_MESSAGE : 0);
        if (ev != null) {
            flags |= (ev.getSourceUrl() != null ? HAS_SOURCE_URL : 0) | (ev.getNumMentions() != null ? HAS_NUM_MENTIONS : 0)
                    | (ev.getGoldsteinScale() != null ? HAS_GOLDSTEIN : 0);
        }
        out.writeByte(flags);
        if (e.raw != null) {
            RawRecord r = e.raw;
            writeNullableString(r.source, out);
            writeNullableString(r.partition, out);
            writeNullableString(r.position, out);
            out.writeLong(r.timestamp);
            writeNullableBytes(r.key, out);
            writeNullableBytes(r.value, out);
            if (r.headerKeys == null) {
                out.writeInt(-1);
            } else {
                out.writeInt(r.headerKeys.length);
                for (String k : r.headerKeys) {
                    writeNullableString(k, out);
                }
            }
            if (r.headerValues == null) {
                out.writeInt(-1);
            } else {
                out.writeInt(r.headerValues.length);
                for (byte[] v : r.headerValues) {
                    writeNullableBytes(v, out);
                }
            }
        }
        if (ev != null) {
            writeNullableString(ev.getEventId(), out);
            out.writeLong(ev.getTimestamp());
            writeNullableString(ev.getCountryCode(), out);
            out.writeByte(ev.getEventType().ordinal());
            out.writeDouble(ev.getSeverity());
            if (ev.getSourceUrl() != null) writeNullableString(ev.getSourceUrl(), out);
            if (ev.getNumMentions() != null) out.writeInt(ev.getNumMentions());
            if (ev.getGoldsteinScale() != null) out.writeDouble(ev.getGoldsteinScale());
        }
        if (e.reason != null) out.writeByte(e.reason.ordinal());
        if (e.message != null) writeNullableString(e.message, out);
    }

    @Override
    public Envelope deserialize(DataInputView in) throws IOException {
        int flags = in.readUnsignedByte();
        Envelope e = new Envelope();
        if ((flags & HAS_RAW) != 0) {
            RawRecord r = new RawRecord();
            r.source = readNullableString(in);
            r.partition = readNullableString(in);
            r.position = readNullableString(in);
            r.timestamp = in.readLong();
            r.key = readNullableBytes(in);
            r.value = readNullableBytes(in);
            int keys = in.readInt();
            if (keys >= 0) {
                r.headerKeys = new String[keys];
                for (int i = 0; i < keys; i++) r.headerKeys[i] = readNullableString(in);
            }
            int values = in.readInt();
            if (values >= 0) {
                r.headerValues = new byte[values][];
                for (int i = 0; i < values; i++) r.headerValues[i] = readNullableBytes(in);
            }
            e.raw = r;
        }
        if ((flags & HAS_EVENT) != 0) {
            GeopoliticalEvent ev = new GeopoliticalEvent();
            ev.setEventId(readNullableString(in));
            ev.setTimestamp(in.readLong());
            ev.setCountryCode(readNullableString(in));
            ev.setEventType(EVENT_TYPES[in.readUnsignedByte()]);
            ev.setSeverity(in.readDouble());
            ev.setSourceUrl((flags & HAS_SOURCE_URL) != 0 ? readNullableString(in) : null);
            ev.setNumMentions((flags & HAS_NUM_MENTIONS) != 0 ? in.readInt() : null);
            ev.setGoldsteinScale((flags & HAS_GOLDSTEIN) != 0 ? in.readDouble() : null);
            e.event = ev;
        }
        if ((flags & HAS_REASON) != 0) e.reason = REASONS[in.readUnsignedByte()];
        if ((flags & HAS_MESSAGE) != 0) e.message = readNullableString(in);
        return e;
    }

    @Override
    public Envelope deserialize(Envelope reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    // Strings as their UTF-8 bytes after a varint of length + 1 (0 is null). The JDK encodes and decodes ASCII
    // (event ids, country codes, URLs, Kafka coordinates) by bulk copy, where StringValue goes char by char;
    // the benchmark found that loop to be half of the dedup task's own time. Lossless here: every string of an
    // envelope was decoded from UTF-8 (Avro, Kafka headers) or built by the job, so none holds an unpaired
    // surrogate, the one thing UTF-8 cannot carry.
    private static void writeNullableString(String s, DataOutputView out) throws IOException {
        if (s == null) {
            out.writeByte(0);
            return;
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        writeVarInt(utf8.length + 1, out);
        out.write(utf8);
    }

    private static String readNullableString(DataInputView in) throws IOException {
        int lengthPlusOne = readVarInt(in);
        if (lengthPlusOne == 0) return null;
        byte[] utf8 = new byte[lengthPlusOne - 1];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    private static void writeVarInt(int value, DataOutputView out) throws IOException {
        while ((value & ~0x7f) != 0) {
            out.writeByte((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.writeByte(value);
    }

    private static int readVarInt(DataInputView in) throws IOException {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = in.readUnsignedByte();
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new IOException("Corrupt Envelope: a string length longer than 5 varint bytes");
    }

    private static void writeNullableBytes(byte[] b, DataOutputView out) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static byte[] readNullableBytes(DataInputView in) throws IOException {
        int length = in.readInt();
        if (length < 0) return null;
        byte[] b = new byte[length];
        in.readFully(b);
        return b;
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof EnvelopeSerializer;
    }

    @Override
    public int hashCode() {
        return EnvelopeSerializer.class.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<Envelope> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Needed by Flink's API; the format has no parameters. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<Envelope> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
