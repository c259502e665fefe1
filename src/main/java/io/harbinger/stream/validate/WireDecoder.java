package io.harbinger.stream.validate;

import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.records.Reason;
import io.harbinger.stream.records.WireFormat;
import io.harbinger.stream.registry.RegistryUnavailableException;
import io.harbinger.stream.registry.SchemaNotFoundException;
import io.harbinger.stream.registry.SchemaRegistryClient;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Decodes Confluent wire-format payloads into a generated Avro class (the reader schema), resolving whichever
 * writer schema the header names. Each payload gets a fresh binary decoder, so a malformed record can never
 * leave state behind that breaks the next one (FLINK-31951).
 */
public class WireDecoder<T> {
    /** Avro reads its length limits once per JVM; without them a corrupt length prefix allocates up to 2 GiB. */
    private static final String[] AVRO_LENGTH_LIMITS = {
        "org.apache.avro.limits.string.maxLength", "org.apache.avro.limits.bytes.maxLength"};

    static {
        for (String property : AVRO_LENGTH_LIMITS) {
            if (System.getProperty(property) == null) {
                System.setProperty(property, String.valueOf(16 * 1024 * 1024));
            }
        }
    }

    private final SchemaRegistryClient registry;
    private final Schema readerSchema;
    private final long maxPayloadBytes;
    private final Map<Integer, SpecificDatumReader<T>> readersByWriterId = new HashMap<>();
    private final Map<Integer, String> incompatibleWriterIds = new HashMap<>();

    /**
     * @param maxPayloadBytes payloads above this size are rejected before decoding
     */
    public WireDecoder(SchemaRegistryClient registry, Schema readerSchema, long maxPayloadBytes) {
        this.registry = registry;
        this.readerSchema = readerSchema;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /** The decoder of the job's input: raw events read as the current GeopoliticalEvent. */
    public static WireDecoder<GeopoliticalEvent> forEvents(SchemaRegistryClient registry, long maxPayloadBytes) {
        return new WireDecoder<>(registry, GeopoliticalEvent.getClassSchema(), maxPayloadBytes);
    }

    public T decode(byte[] payload) throws InvalidRecordException, RegistryUnavailableException {
        if (payload == null || payload.length == 0) {
            throw new InvalidRecordException(Reason.EMPTY_VALUE, payload == null ? "value is null" : "value is empty");
        }
        // Size first: an oversized value is rejected for its size, whatever its first bytes say.
        if (payload.length > maxPayloadBytes) {
            throw new InvalidRecordException(Reason.VALUE_TOO_LARGE, "value has " + payload.length
                    + " bytes, more than the " + maxPayloadBytes + " allowed (validation.max-value-bytes)");
        }
        String headerProblem = WireFormat.headerProblem(payload);
        if (headerProblem != null) {
            throw new InvalidRecordException(Reason.NOT_WIRE_FORMAT, headerProblem);
        }
        int schemaId = WireFormat.schemaId(payload);
        SpecificDatumReader<T> reader = readerFor(schemaId);
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(
                payload, WireFormat.HEADER_LENGTH, payload.length - WireFormat.HEADER_LENGTH, null);
        T record;
        try {
            record = reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new InvalidRecordException(Reason.UNDECODABLE_AVRO,
                    "Avro body does not decode with writer schema id " + schemaId + ": " + describe(e));
        } catch (OutOfMemoryError e) {
            // A single absurd length prefix; nothing else was allocated, so the task can go on.
            throw new InvalidRecordException(Reason.UNDECODABLE_AVRO,
                    "Avro body declares a length too large to allocate (writer schema id " + schemaId + ")");
        }
        try {
            if (!decoder.isEnd()) {
                throw new InvalidRecordException(Reason.UNDECODABLE_AVRO, "trailing bytes after the Avro record"
                        + " (writer schema id " + schemaId + ")");
            }
        } catch (IOException e) {
            throw new InvalidRecordException(Reason.UNDECODABLE_AVRO, "cannot check the end of the record: " + describe(e));
        }
        return record;
    }

    private SpecificDatumReader<T> readerFor(int schemaId)
            throws InvalidRecordException, RegistryUnavailableException {
        SpecificDatumReader<T> reader = readersByWriterId.get(schemaId);
        if (reader != null) {
            return reader;
        }
        String incompatible = incompatibleWriterIds.get(schemaId);
        if (incompatible != null) {
            throw new InvalidRecordException(Reason.INCOMPATIBLE_SCHEMA, incompatible);
        }
        Schema writer;
        try {
            writer = registry.schemaById(schemaId);
        } catch (SchemaNotFoundException e) {
            throw new InvalidRecordException(Reason.UNKNOWN_SCHEMA_ID, e.getMessage());
        }
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
        if (compatibility.getType() != SchemaCompatibilityType.COMPATIBLE) {
            String message = "writer schema id " + schemaId + " (" + writer.getFullName()
                    + ") cannot be read as " + readerSchema.getFullName() + ": "
                    + compatibility.getResult().getIncompatibilities().stream()
                            .map(i -> i.getType() + " at " + i.getLocation() + " (" + i.getMessage() + ")")
                            .reduce((a, b) -> a + "; " + b).orElse("incompatible");
            incompatibleWriterIds.put(schemaId, message);
            throw new InvalidRecordException(Reason.INCOMPATIBLE_SCHEMA, message);
        }
        reader = new SpecificDatumReader<>(writer, readerSchema);
        readersByWriterId.put(schemaId, reader);
        return reader;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
