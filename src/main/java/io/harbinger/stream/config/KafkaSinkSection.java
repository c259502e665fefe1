package io.harbinger.stream.config;

import io.harbinger.stream.config.JobConfig.KafkaSinkSettings;

import java.time.Duration;
import java.util.Map;

/** Binds section {@code sinks.kafka}: the four output topics, their transactions and client properties. */
final class KafkaSinkSection {
    private KafkaSinkSection() {}

    static KafkaSinkSettings bind(ConfigNode kafka) {
        Map<String, String> properties = kafka.stringMap("properties");
        return new KafkaSinkSettings(
                kafka.string("bootstrap-servers"),
                kafka.string("aggregates-topic"),
                kafka.string("anomalies-topic"),
                kafka.string("dead-letter-topic"),
                kafka.string("late-events-topic"),
                kafka.string("transactional-id-prefix"),
                kafka.duration("transaction-timeout", Duration.ofMinutes(15)),
                // Kafka's default transaction.max.timeout.ms.
                kafka.duration("broker-max-transaction-timeout", Duration.ofMinutes(15)),
                properties,
                KafkaAuthenticationSection.bind(kafka, properties));
    }
}
