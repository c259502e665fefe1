package io.harbinger.stream.source;

import io.harbinger.stream.config.JobConfig.KafkaSourceSettings;
import io.harbinger.stream.records.Envelope;

import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

import java.util.Properties;
import java.util.regex.Pattern;

/** Builds the KafkaSource of the raw topic(s) from config. */
public final class KafkaEventSource {
    private KafkaEventSource() {}

    public static KafkaSource<Envelope> create(KafkaSourceSettings settings, KafkaRecordDeserializationSchema<Envelope> deserializer) {
        Properties properties = new Properties();
        // Upstream producers may be transactional: never read what they aborted.
        properties.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.putAll(settings.clientProperties());
        properties.setProperty("partition.discovery.interval.ms",
                String.valueOf(settings.partitionDiscoveryInterval().toMillis()));
        properties.setProperty("commit.offsets.on.checkpoint", "true");

        KafkaSourceBuilder<Envelope> builder = KafkaSource.<Envelope>builder()
                .setBootstrapServers(settings.bootstrapServers())
                .setGroupId(settings.groupId())
                .setStartingOffsets(startingOffsets(settings))
                .setDeserializer(deserializer)
                .setProperties(properties);
        if (settings.topicPattern().isPresent()) {
            builder.setTopicPattern(Pattern.compile(settings.topicPattern().get()));
        } else {
            builder.setTopics(settings.topics());
        }
        if (settings.bounded()) {
            // Replays and backfills: stop at the offsets that are the latest when the job starts.
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    private static OffsetsInitializer startingOffsets(KafkaSourceSettings settings) {
        switch (settings.startingOffsets()) {
            case EARLIEST: return OffsetsInitializer.earliest();
            case LATEST: return OffsetsInitializer.latest();
            case COMMITTED_OR_EARLIEST: return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
            case COMMITTED_OR_LATEST: return OffsetsInitializer.committedOffsets(OffsetResetStrategy.LATEST);
            default: throw new IllegalArgumentException("starting offsets not covered: " + settings.startingOffsets());
        }
    }
}
