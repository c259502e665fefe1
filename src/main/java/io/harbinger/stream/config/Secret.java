package io.harbinger.stream.config;

import java.io.Serializable;

/** A configuration value that must never appear in logs or exception messages. */
public final class Secret implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String value;

    public Secret(String value) {
        this.value = value;
    }

    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "******";
    }
}
