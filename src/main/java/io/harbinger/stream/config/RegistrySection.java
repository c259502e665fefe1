package io.harbinger.stream.config;

import io.harbinger.stream.config.JobConfig.RegistrySettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Binds section {@code registry}: the schema registry's URL, credentials, TLS stores, caches and retries. */
final class RegistrySection {
    private RegistrySection() {}

    static RegistrySettings bind(ConfigNode registry) {
        RegistrySettings settings = new RegistrySettings(
                registry.string("url"),
                registry.optionalString("username"),
                registry.optionalSecret("password"),
                registry.intAtLeast("cache-size", 1000, 1),
                registry.duration("request-timeout", Duration.ofSeconds(10)),
                registry.intAtLeast("max-retries", 5, 0),
                registry.duration("retry-backoff", Duration.ofMillis(500)),
                registry.duration("unknown-id-cache", Duration.ofSeconds(30)),
                registry.optionalString("truststore-path"),
                registry.optionalSecret("truststore-password"),
                registry.optionalString("keystore-path"),
                registry.optionalSecret("keystore-password"));
        CrossKeyRules.storePasswordWithItsPath(registry, "truststore", settings.truststorePath(),
                settings.truststorePassword());
        readable(registry, "truststore-path", settings.truststorePath());
        CrossKeyRules.storePasswordWithItsPath(registry, "keystore", settings.keystorePath(),
                settings.keystorePassword());
        CrossKeyRules.keystoreWithItsPassword(registry, settings.keystorePath(), settings.keystorePassword());
        readable(registry, "keystore-path", settings.keystorePath());
        CrossKeyRules.usernameWithPassword(registry, settings);
        if (!settings.url().isEmpty() && !settings.url().matches("https?://.+")) {
            registry.problem("url", "expected an http:// or https:// URL, got \"" + settings.url() + "\"");
        }
        return settings;
    }

    /** Checked where the config is loaded, so that a wrong path stops the start, naming the key, not every task. */
    private static void readable(ConfigNode registry, String key, Optional<String> path) {
        path.filter(p -> !Files.isReadable(Path.of(p))).ifPresent(p ->
                registry.problem(key, "file " + p + " does not exist or cannot be read"));
    }
}
