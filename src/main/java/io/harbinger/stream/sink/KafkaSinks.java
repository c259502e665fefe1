package io.harbinger.stream.sink;

import io.harbinger.stream.config.JobConfig.KafkaSinkSettings;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.util.Properties;

/**
 * Transactional Kafka sinks: records become visible to read_committed consumers when the checkpoint that
 * covers them completes. Each output gets its own transactional-id prefix derived from the configured one,
 * which must be unique per job so that two jobs never fence each other.
 */
public final class KafkaSinks {
    /**
     * The producer request limit of the dead-letter and late-events sinks unless {@code max.request.size} is in
     * sinks.kafka.properties. They copy input records whole, and an input record may be as large as its topic
     * allows (1 MiB by default, often more): with Kafka's 1 MiB default, one large bad record would fail the
     * writer, restart the job and fail it again on the same record, forever.
     */
    static final int RECORD_COPY_MAX_REQUEST_BYTES = 16 * 1024 * 1024;

    private KafkaSinks() {}

    public static <T> KafkaSink<T> exactlyOnce(KafkaSinkSettings settings, String output,
                                               KafkaRecordSerializationSchema<T> serializer) {
        return KafkaSink.<T>builder()
                .setBootstrapServers(settings.bootstrapServers())
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(settings.transactionalIdPrefix() + "-" + output)
                .setKafkaProducerConfig(producerProperties(settings, serializer))
                .build();
    }

    static Properties producerProperties(KafkaSinkSettings settings, KafkaRecordSerializationSchema<?> serializer) {
        Properties properties = new Properties();
        if (serializer instanceof DeadLetterSerializer) {
            properties.setProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                    String.valueOf(RECORD_COPY_MAX_REQUEST_BYTES));
        }
        properties.putAll(settings.clientProperties());
        properties.setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                String.valueOf(settings.transactionTimeout().toMillis()));
        return properties;
    }
}
