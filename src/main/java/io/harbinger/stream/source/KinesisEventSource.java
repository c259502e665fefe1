package io.harbinger.stream.source;

import io.harbinger.stream.config.JobConfig.KinesisRecordPublisher;
import io.harbinger.stream.config.JobConfig.KinesisSourceSettings;
import io.harbinger.stream.records.Envelope;

import org.apache.flink.streaming.connectors.kinesis.FlinkKinesisConsumer;
import org.apache.flink.streaming.connectors.kinesis.serialization.KinesisDeserializationSchema;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Properties;

/**
 * Builds the FlinkKinesisConsumer of the raw stream(s) from config. It emits no watermarks of its own:
 * {@link PerShardWatermarks}, chained right behind it, keeps one watermark generator per shard.
 */
public final class KinesisEventSource {
    /** The connector's default initpos timestamp format, written out so that parsing never depends on it. */
    static final String TIMESTAMP_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";

    private KinesisEventSource() {}

    public static FlinkKinesisConsumer<Envelope> create(KinesisSourceSettings settings,
                                                        KinesisDeserializationSchema<Envelope> deserializer) {
        return new FlinkKinesisConsumer<>(settings.streams(), deserializer, consumerProperties(settings));
    }

    /** The connector's properties; pass-through {@code properties} first, so that typed keys win. */
    public static Properties consumerProperties(KinesisSourceSettings settings) {
        Properties p = new Properties();
        p.putAll(settings.properties());
        p.setProperty("aws.region", settings.region());
        settings.endpoint().ifPresent(endpoint -> p.setProperty("aws.endpoint", endpoint));
        // The default chain: environment, system properties, web identity, profile, container and instance
        // credentials (on Managed Service for Apache Flink: the application's service execution role).
        p.setProperty("aws.credentials.provider", "AUTO");
        p.setProperty("flink.stream.initpos", settings.startingPosition().name());
        settings.startingTimestamp().ifPresent(t -> {
            p.setProperty("flink.stream.initpos.timestamp.format", TIMESTAMP_FORMAT);
            p.setProperty("flink.stream.initpos.timestamp",
                    DateTimeFormatter.ofPattern(TIMESTAMP_FORMAT).withZone(ZoneOffset.UTC).format(t));
        });
        p.setProperty("flink.shard.discovery.intervalmillis",
                String.valueOf(settings.shardDiscoveryInterval().toMillis()));
        if (settings.recordPublisher() == KinesisRecordPublisher.EFO) {
            p.setProperty("flink.stream.recordpublisher", "EFO");
            p.setProperty("flink.stream.efo.consumername", settings.efoConsumerName().orElseThrow());
            p.setProperty("flink.stream.efo.registration", settings.efoRegistration().name());
        } else {
            p.setProperty("flink.stream.recordpublisher", "POLLING");
            p.setProperty("flink.shard.getrecords.intervalmillis",
                    String.valueOf(settings.pollingInterval().toMillis()));
            p.setProperty("flink.shard.getrecords.maxrecordcount", String.valueOf(settings.pollingMaxRecords()));
        }
        return p;
    }
}
