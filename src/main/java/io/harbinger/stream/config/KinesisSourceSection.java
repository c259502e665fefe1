package io.harbinger.stream.config;

import io.harbinger.stream.config.JobConfig.EfoRegistration;
import io.harbinger.stream.config.JobConfig.KinesisRecordPublisher;
import io.harbinger.stream.config.JobConfig.KinesisSourceSettings;
import io.harbinger.stream.config.JobConfig.KinesisStartingPosition;

import java.time.Duration;

/** Binds section {@code source.kinesis}: FlinkKinesisConsumer's streams, region, start and record publisher. */
final class KinesisSourceSection {
    /** GetRecords returns at most this many records per call. */
    private static final int MAX_RECORDS_PER_GET = 10_000;

    private KinesisSourceSection() {}

    static KinesisSourceSettings bind(ConfigNode kinesis) {
        ConfigNode polling = kinesis.child("polling");
        ConfigNode efo = kinesis.child("efo");
        KinesisSourceSettings settings = new KinesisSourceSettings(
                kinesis.stringList("streams"),
                kinesis.string("region"),
                kinesis.optionalString("endpoint"),
                kinesis.enumValue("starting-position", KinesisStartingPosition.class, KinesisStartingPosition.LATEST),
                kinesis.optionalInstant("starting-timestamp"),
                kinesis.enumValue("record-publisher", KinesisRecordPublisher.class, KinesisRecordPublisher.POLLING),
                polling.duration("interval", Duration.ofMillis(200)),
                polling.intAtLeast("max-records", MAX_RECORDS_PER_GET, 1),
                efo.optionalString("consumer-name"),
                efo.enumValue("registration", EfoRegistration.class, EfoRegistration.LAZY),
                kinesis.duration("shard-discovery-interval", Duration.ofSeconds(10)),
                kinesis.stringMap("properties"));
        if (settings.streams().isEmpty() && kinesis.has("streams")) {
            kinesis.problem("streams", "must name at least one stream");
        } else if (settings.streams().isEmpty()) {
            kinesis.problem("streams", "is required");
        }
        if (settings.pollingMaxRecords() > MAX_RECORDS_PER_GET) {
            polling.problem("max-records", "must be at most 10000 (the GetRecords limit), got "
                    + settings.pollingMaxRecords());
        }
        if (settings.pollingInterval().toMillis() < 1) {
            polling.problem("interval", "must be at least 1ms");
        }
        settings.endpoint().ifPresent(e -> {
            if (!e.matches("https?://[^\\s]+")) {
                kinesis.problem("endpoint", "expected an http:// or https:// URL, got \"" + e + "\"");
            }
        });
        CrossKeyRules.startingTimestampWithAtTimestamp(kinesis, settings);
        CrossKeyRules.efoConsumerNameWithEfo(efo, settings);
        for (String key : settings.properties().keySet()) {
            String lower = key.toLowerCase();
            if (lower.startsWith("aws.credentials") || lower.contains("secretkey") || lower.contains("accesskeyid")) {
                kinesis.problem("properties." + key, "credentials never go in the config: the job uses the AWS default"
                        + " credentials provider chain (environment, system properties, profile, container or"
                        + " instance role)");
            }
        }
        return settings;
    }
}
