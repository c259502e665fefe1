package io.harbinger.stream.config;

import io.harbinger.stream.config.JobConfig.KafkaSourceSettings;
import io.harbinger.stream.config.JobConfig.StartingOffsets;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/** Binds section {@code source.kafka}: the KafkaSource's brokers, topics, group, start and client properties. */
final class KafkaSourceSection {
    private KafkaSourceSection() {}

    static KafkaSourceSettings bind(ConfigNode kafka) {
        Map<String, String> properties = kafka.stringMap("properties");
        KafkaSourceSettings settings = new KafkaSourceSettings(
                kafka.string("bootstrap-servers"),
                kafka.stringList("topics"),
                kafka.optionalString("topic-pattern"),
                kafka.string("group-id"),
                kafka.enumValue("starting-offsets", StartingOffsets.class, StartingOffsets.COMMITTED_OR_EARLIEST),
                kafka.bool("bounded", false),
                kafka.duration("partition-discovery-interval", Duration.ofMinutes(1)),
                properties,
                KafkaAuthenticationSection.bind(kafka, properties));
        CrossKeyRules.topicsOrTopicPattern(kafka, settings);
        settings.topicPattern().ifPresent(p -> {
            try {
                Pattern.compile(p);
            } catch (RuntimeException e) {
                kafka.problem("topic-pattern", "not a valid regular expression: " + e.getMessage());
            }
        });
        return settings;
    }
}
