package io.harbinger.stream.registry;

/** The registry answered that it has no schema with this id: a fault of the record that named it. */
public class SchemaNotFoundException extends Exception {
    public SchemaNotFoundException(String message) {
        super(message);
    }
}
