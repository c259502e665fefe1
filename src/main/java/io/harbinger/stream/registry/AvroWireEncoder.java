package io.harbinger.stream.registry;

import io.harbinger.stream.records.WireFormat;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Encodes records of one schema into the Confluent wire format under a registered schema id. Not thread-safe. */
public class AvroWireEncoder<T> {
    private final int schemaId;
    private final GenericDatumWriter<T> writer;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
    private BinaryEncoder encoder;

    private AvroWireEncoder(int schemaId, GenericDatumWriter<T> writer) {
        this.schemaId = schemaId;
        this.writer = writer;
    }

    /** For generated classes. */
    public static <T extends SpecificRecord> AvroWireEncoder<T> specific(Schema schema, int schemaId) {
        return new AvroWireEncoder<>(schemaId, new SpecificDatumWriter<>(schema));
    }

    /** For GenericRecords of any schema, e.g. events written by an older producer version. */
    public static <T> AvroWireEncoder<T> generic(Schema schema, int schemaId) {
        return new AvroWireEncoder<>(schemaId, new GenericDatumWriter<>(schema));
    }

    public int schemaId() {
        return schemaId;
    }

    public byte[] encode(T record) {
        buffer.reset();
        buffer.writeBytes(WireFormat.header(schemaId));
        encoder = EncoderFactory.get().directBinaryEncoder(buffer, encoder);
        try {
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a record with schema id " + schemaId, e);
        }
        return buffer.toByteArray();
    }
}
