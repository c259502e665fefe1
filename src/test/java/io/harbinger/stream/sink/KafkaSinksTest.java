package io.harbinger.stream.sink;

import io.harbinger.stream.config.JobConfig.Delivery;
import io.harbinger.stream.config.JobConfig.KafkaSinkSettings;
import io.harbinger.stream.config.KafkaAuthentication;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** Producer settings of the one Kafka sink: what the job fixes, and what sinks.kafka.properties can change. */
class KafkaSinksTest {

    @Test
    void theProducerCarriesDeadLettersLargerThanKafkasOneMebibyteDefault() {
        Properties p = KafkaSinks.producerProperties(settings(Map.of()));
        assertThat(p.getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG)).isEqualTo(String.valueOf(16 * 1024 * 1024));
        assertThat(p.getProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG)).isEqualTo("120000");
    }

    @Test
    void anOperatorCanSetTheRequestLimit() {
        Properties p = KafkaSinks.producerProperties(settings(Map.of("max.request.size", "4194304")));
        assertThat(p.getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG)).isEqualTo("4194304");
    }

    @Test
    void oneTransactionalIdPrefixForAllOutputsNoneOfTheRetiredOnes() {
        KafkaSinkSettings s = settings(Map.of());
        assertThat(KafkaSinks.transactionalIdPrefix(s)).isEqualTo("p-outputs");
        assertThat(KafkaSinks.retiredTransactionalIdPrefixes(s))
                .containsExactly("p-dead-letters", "p-late-events", "p-aggregates", "p-anomalies")
                // the sink aborts lingering transactions under its own prefix on restore: a retired prefix that
                // started with it would see its ids mistaken for the sink's own
                .noneMatch(retired -> retired.startsWith(KafkaSinks.transactionalIdPrefix(s)));
    }

    @Test
    void theSinkFollowsJobDeliveryAndOnlyExactlyOnceUsesTransactions() {
        KafkaSinkSettings s = settings(Map.of());
        KafkaSink<KafkaOutput> exactlyOnce = KafkaSinks.forDelivery(s, Delivery.EXACTLY_ONCE);
        assertThat(exactlyOnce).extracting("deliveryGuarantee").isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        assertThat(exactlyOnce).extracting("transactionalIdPrefix").isEqualTo("p-outputs");

        KafkaSink<KafkaOutput> atLeastOnce = KafkaSinks.forDelivery(s, Delivery.AT_LEAST_ONCE);
        assertThat(atLeastOnce).extracting("deliveryGuarantee").isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        assertThat(atLeastOnce).extracting("kafkaProducerConfig", InstanceOfAssertFactories.type(Properties.class))
                .satisfies(p -> {
                    assertThat(p.getProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG)).isNull();
                    assertThat(p.getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG))
                            .isEqualTo(String.valueOf(16 * 1024 * 1024));
                });
    }

    @Test
    void withIamTheProducerAuthenticatesWithAwsMskIamBesideTheOperatorsProperties() {
        KafkaSinkSettings iam = settings(Map.of("ssl.truststore.location", "/etc/harbinger/msk.p12"),
                KafkaAuthentication.iam(Optional.empty(), Optional.empty(), Optional.empty()));
        Properties p = KafkaSinks.producerProperties(iam);
        assertThat(p.getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(p.getProperty("sasl.mechanism")).isEqualTo("AWS_MSK_IAM");
        assertThat(p.getProperty("sasl.jaas.config")).isEqualTo("software.amazon.msk.auth.iam.IAMLoginModule required;");
        assertThat(p.getProperty("sasl.client.callback.handler.class"))
                .isEqualTo("software.amazon.msk.auth.iam.IAMClientCallbackHandler");
        assertThat(p.getProperty("ssl.truststore.location")).isEqualTo("/etc/harbinger/msk.p12");
        assertThat(p.getProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG)).isEqualTo("120000");
    }

    private static KafkaSinkSettings settings(Map<String, String> properties) {
        return settings(properties, KafkaAuthentication.none());
    }

    private static KafkaSinkSettings settings(Map<String, String> properties, KafkaAuthentication authentication) {
        return new KafkaSinkSettings("127.0.0.1:9092", "a", "b", "c", "d", "p", Duration.ofMinutes(2),
                Duration.ofMinutes(15), properties, authentication);
    }
}
