package io.harbinger.stream.source;

import io.harbinger.stream.config.JobConfig.KafkaSourceSettings;
import io.harbinger.stream.records.Envelope;

import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Builds the KafkaSource of the raw topic(s) from config, wrapped so that it exports each partition's lag
 * ({@link LagReportingKafkaSource}).
 */
public final class KafkaEventSource {
    private KafkaEventSource() {}

    public static LagReportingKafkaSource<Envelope> create(KafkaSourceSettings settings, KafkaRecordDeserializationSchema<Envelope> deserializer) {
        Properties properties = new Properties();
        // Upstream producers may be transactional: never read what they aborted.
        properties.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.putAll(settings.clientProperties());
        properties.setProperty("partition.discovery.interval.ms",
                String.valueOf(settings.partitionDiscoveryInterval().toMillis()));
        properties.setProperty("commit.offsets.on.checkpoint", "true");
        // The consumer hands its per-partition records-lag to the wrapper's gauges through this reporter. Both
        // values are objects, not strings: the consumer takes them as they are, while the enumerator's admin
        // client, which copies only the string properties, gets neither.
        PartitionLags lags = new PartitionLags();
        properties.put(PartitionLags.PROPERTY, lags);
        List<Object> reporters = new ArrayList<>();
        for (String name : properties.getProperty(CommonClientConfigs.METRIC_REPORTER_CLASSES_CONFIG, "").split(",")) {
            if (!name.isBlank()) {
                reporters.add(name.trim());
            }
        }
        reporters.add(PartitionLagReporter.class);
        properties.put(CommonClientConfigs.METRIC_REPORTER_CLASSES_CONFIG, reporters);

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
        return new LagReportingKafkaSource<>(builder.build(), lags);
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
