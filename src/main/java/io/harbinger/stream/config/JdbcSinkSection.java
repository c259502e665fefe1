package io.harbinger.stream.config;

import io.harbinger.stream.config.JobConfig.JdbcSinkSettings;

import java.time.Duration;

/** Binds section {@code sinks.jdbc}: the PostgreSQL URL and user, batching and retries of the upsert sinks. */
final class JdbcSinkSection {
    private JdbcSinkSection() {}

    static JdbcSinkSettings bind(ConfigNode jdbc) {
        JdbcSinkSettings settings = new JdbcSinkSettings(
                jdbc.string("url"),
                jdbc.string("username"),
                jdbc.optionalSecret("password").orElse(null),
                jdbc.intAtLeast("batch-size", 500, 1),
                jdbc.duration("batch-interval", Duration.ofSeconds(1)),
                jdbc.intAtLeast("max-retries", 5, 0),
                jdbc.duration("retry-backoff", Duration.ofMillis(500)),
                jdbc.duration("max-retry-backoff", Duration.ofSeconds(30)));
        // The sinks write with PostgreSQL's INSERT ... ON CONFLICT and its driver.
        if (!settings.url().isEmpty() && !settings.url().startsWith("jdbc:postgresql:")) {
            jdbc.problem("url", "expected a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db), got \""
                    + settings.url() + "\"");
        }
        return settings;
    }
}
