package io.harbinger.stream.registry;

import java.io.IOException;

/**
 * The registry could not be reached or kept failing after every retry: a fault of the dependency, never of
 * the record, so the task fails and Flink restarts it from the last checkpoint.
 */
public class RegistryUnavailableException extends IOException {
    public RegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
