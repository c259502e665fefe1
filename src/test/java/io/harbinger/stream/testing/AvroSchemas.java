package io.harbinger.stream.testing;

import org.apache.avro.Schema;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Avro schemas of schemas/avro for tests: read from their files, or changed by one field. */
public final class AvroSchemas {
    private AvroSchemas() {}

    /** The schema in a file, e.g. schemas/avro/history/GeopoliticalEvent.v1.avsc (relative to the project). */
    public static Schema parseFile(String path) {
        try {
            return new Schema.Parser().parse(Files.readString(Path.of(path)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the schema " + path, e);
        }
    }

    /** The record schema with one more field (JSON of an Avro field) at the end of its top-level fields. */
    public static Schema withField(Schema schema, String fieldJson) {
        String json = schema.toString();
        int end = json.lastIndexOf("]}"); // the end of the top-level "fields" array
        return new Schema.Parser().parse(json.substring(0, end) + "," + fieldJson + json.substring(end));
    }
}
