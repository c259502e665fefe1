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
    private KafkaSinks() {}

    public static <T> KafkaSink<T> exactlyOnce(KafkaSinkSettings settings, String output,
                                               KafkaRecordSerializationSchema<T> serializer) {
        Properties properties = new Properties();
        properties.putAll(settings.properties());
        properties.setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                String.valueOf(settings.transactionTimeout().toMillis()));
        return KafkaSink.<T>builder()
                .setBootstrapServers(settings.bootstrapServers())
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(settings.transactionalIdPrefix() + "-" + output)
                .setKafkaProducerConfig(properties)
                .build();
    }
}
