package io.harbinger.stream.config;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Client properties (Kafka {@code properties} maps) are passed on as plain strings, but some of them hold
 * secrets: {@code sasl.jaas.config} carries the SCRAM password, {@code ssl.keystore.password} and friends the
 * store passwords. Anything that prints a config prints these masked.
 */
public final class SensitiveProperties {
    private static final Pattern SENSITIVE = Pattern.compile("(?i).*(password|secret|jaas|token|credential|key\\.pem|certificate\\.chain).*");

    private SensitiveProperties() {}

    public static boolean isSensitive(String key) {
        return SENSITIVE.matcher(key).matches();
    }

    /** The map as text with the values of sensitive keys replaced by ******. */
    public static String masked(Map<String, String> properties) {
        Map<String, String> out = new TreeMap<>();
        properties.forEach((k, v) -> out.put(k, isSensitive(k) ? "******" : v));
        return out.toString();
    }
}
