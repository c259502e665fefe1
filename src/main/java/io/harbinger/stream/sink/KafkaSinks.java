package io.harbinger.stream.sink;

import io.harbinger.stream.config.JobConfig.Delivery;
import io.harbinger.stream.config.JobConfig.KafkaSinkSettings;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Properties;

/**
 * The one Kafka sink of every Kafka output. With {@code job.delivery: exactly-once} (the default) it is
 * transactional: records become visible to read_committed consumers when the checkpoint that covers them
 * completes. With {@code at-least-once} it writes without transactions, visible at once, and flushes at every
 * checkpoint, so a failover repeats what was written after the last one but loses nothing. KafkaSink 3.4.0 starts a new transactional id per writer
 * subtask and checkpoint, which the brokers keep for {@code transactional.id.expiration.ms} (FLINK-34554), so
 * every further sink multiplies the ids: one sink for all outputs starts one id per subtask and checkpoint, and
 * one transaction per checkpoint commits all of them together.
 */
public final class KafkaSinks {
    /**
     * The producer request limit unless {@code max.request.size} is in sinks.kafka.properties. Dead letters and
     * late events copy input records whole, and an input record may be as large as its topic allows (1 MiB by
     * default, often more): with Kafka's 1 MiB default, one large bad record would fail the writer, restart the
     * job and fail it again on the same record, forever.
     */
    static final int RECORD_COPY_MAX_REQUEST_BYTES = 16 * 1024 * 1024;

    /** The sink's transactional ids are {@code {sinks.kafka.transactional-id-prefix}-outputs-{subtask}-{checkpoint}}. */
    static final String OUTPUTS = "outputs";

    /**
     * The outputs of releases up to 0.1.0, which had one sink each, under {@code {prefix}-{output}}: their
     * transactions are not this sink's to abort on a restore (see {@code tools.RetiredKafkaTransactions}).
     */
    static final List<String> RETIRED_OUTPUTS = Collections.unmodifiableList(
            Arrays.asList("dead-letters", "late-events", "aggregates", "anomalies"));

    private KafkaSinks() {}

    /** The sink that {@code job.delivery} asks for. */
    public static KafkaSink<KafkaOutput> forDelivery(KafkaSinkSettings settings, Delivery delivery) {
        return delivery == Delivery.AT_LEAST_ONCE ? atLeastOnce(settings) : exactlyOnce(settings);
    }

    /**
     * No transactions, so no transactional ids on the brokers and nothing held back from read_committed readers.
     * Every record is keyed (aggregates by window, alerts by alert_id, dead letters and late events by their input
     * record's key and source coordinates in headers), so a reader can drop the repeats a failover brings.
     */
    static KafkaSink<KafkaOutput> atLeastOnce(KafkaSinkSettings settings) {
        Properties properties = producerProperties(settings);
        properties.remove(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
        return KafkaSink.<KafkaOutput>builder()
                .setBootstrapServers(settings.bootstrapServers())
                .setRecordSerializer(new OutputSerializer())
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setKafkaProducerConfig(properties)
                .build();
    }

    static KafkaSink<KafkaOutput> exactlyOnce(KafkaSinkSettings settings) {
        return KafkaSink.<KafkaOutput>builder()
                .setBootstrapServers(settings.bootstrapServers())
                .setRecordSerializer(new OutputSerializer())
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix(settings))
                .setKafkaProducerConfig(producerProperties(settings))
                .build();
    }

    static String transactionalIdPrefix(KafkaSinkSettings settings) {
        return settings.transactionalIdPrefix() + "-" + OUTPUTS;
    }

    /** The transactional-id prefixes of the per-output sinks of 0.1.0 (each id: prefix-subtask-checkpoint). */
    public static List<String> retiredTransactionalIdPrefixes(KafkaSinkSettings settings) {
        String[] prefixes = new String[RETIRED_OUTPUTS.size()];
        for (int i = 0; i < prefixes.length; i++) {
            prefixes[i] = settings.transactionalIdPrefix() + "-" + RETIRED_OUTPUTS.get(i);
        }
        return Collections.unmodifiableList(Arrays.asList(prefixes));
    }

    public static Properties producerProperties(KafkaSinkSettings settings) {
        Properties properties = new Properties();
        properties.setProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(RECORD_COPY_MAX_REQUEST_BYTES));
        properties.putAll(settings.clientProperties());
        properties.setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                String.valueOf(settings.transactionTimeout().toMillis()));
        return properties;
    }

    /** Every output arrives serialized; the sink only hands it to the producer. */
    static final class OutputSerializer implements KafkaRecordSerializationSchema<KafkaOutput> {
        private static final long serialVersionUID = 1L;

        @Override
        public ProducerRecord<byte[], byte[]> serialize(KafkaOutput output, KafkaSinkContext context, Long timestamp) {
            return output.toProducerRecord();
        }
    }
}
