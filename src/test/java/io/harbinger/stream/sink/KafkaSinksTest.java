package io.harbinger.stream.sink;

import io.harbinger.curated.AnomalyAlert;
import io.harbinger.stream.config.JobConfig.KafkaSinkSettings;
import io.harbinger.stream.config.KafkaAuthentication;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** Producer settings of the Kafka sinks: what the job fixes, and what sinks.kafka.properties can change. */
class KafkaSinksTest {

    @Test
    void deadLetterProducersCarryRecordsLargerThanKafkasOneMebibyteDefault() {
        Properties p = KafkaSinks.producerProperties(settings(Map.of()), new DeadLetterSerializer("dlq"));
        assertThat(p.getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG)).isEqualTo(String.valueOf(16 * 1024 * 1024));
        assertThat(p.getProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG)).isEqualTo("120000");
    }

    @Test
    void anOperatorCanSetTheRequestLimitAndOtherSinksKeepKafkasDefault() {
        Properties dlq = KafkaSinks.producerProperties(settings(Map.of("max.request.size", "4194304")),
                new DeadLetterSerializer("dlq"));
        assertThat(dlq.getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG)).isEqualTo("4194304");

        Properties aggregates = KafkaSinks.producerProperties(settings(Map.of()),
                new AvroRecordSerializer<AnomalyAlert>("alerts", AnomalyAlert.getClassSchema(), null,
                        AnomalyAlert::getAlertId));
        assertThat(aggregates.getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG)).isNull();
    }

    @Test
    void withIamEveryProducerAuthenticatesWithAwsMskIamBesideTheOperatorsProperties() {
        KafkaSinkSettings iam = settings(Map.of("ssl.truststore.location", "/etc/harbinger/msk.p12"),
                KafkaAuthentication.iam(Optional.empty(), Optional.empty(), Optional.empty()));
        for (Properties p : List.of(KafkaSinks.producerProperties(iam, new DeadLetterSerializer("dlq")),
                KafkaSinks.producerProperties(iam, new AvroRecordSerializer<AnomalyAlert>("alerts",
                        AnomalyAlert.getClassSchema(), null, AnomalyAlert::getAlertId)))) {
            assertThat(p.getProperty("security.protocol")).isEqualTo("SASL_SSL");
            assertThat(p.getProperty("sasl.mechanism")).isEqualTo("AWS_MSK_IAM");
            assertThat(p.getProperty("sasl.jaas.config")).isEqualTo("software.amazon.msk.auth.iam.IAMLoginModule required;");
            assertThat(p.getProperty("sasl.client.callback.handler.class"))
                    .isEqualTo("software.amazon.msk.auth.iam.IAMClientCallbackHandler");
            assertThat(p.getProperty("ssl.truststore.location")).isEqualTo("/etc/harbinger/msk.p12");
            assertThat(p.getProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG)).isEqualTo("120000");
        }
    }

    private static KafkaSinkSettings settings(Map<String, String> properties) {
        return settings(properties, KafkaAuthentication.none());
    }

    private static KafkaSinkSettings settings(Map<String, String> properties, KafkaAuthentication authentication) {
        return new KafkaSinkSettings("127.0.0.1:9092", "a", "b", "c", "d", "p", Duration.ofMinutes(2),
                Duration.ofMinutes(15), properties, authentication);
    }
}
