package io.harbinger.stream.source;

import org.apache.flink.util.InstantiationUtil;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.Value;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link PartitionLagReporter} on Kafka's own {@link Metrics} registry, which calls it as a consumer's does:
 * each partition's {@code records-lag} reaches the {@link PartitionLags} of the consumer configs, by the real
 * topic name although the consumer's tag writes '.' as '_', and leaves it with the partition or the consumer.
 */
class PartitionLagReporterTest {
    private static final TopicPartition P1 = new TopicPartition("us-east-1.geopolitical-events", 1);

    @Test
    void eachPartitionsRecordsLagReachesTheLagsUntilThePartitionIsDropped() {
        PartitionLags lags = new PartitionLags();
        try (Metrics metrics = consumerMetrics(lags)) {
            Sensor partition1 = lagSensor(metrics, "us-east-1_geopolitical-events", 1);
            lagSensor(metrics, "us-east-1_geopolitical-events", 0).record(7);
            partition1.record(42);
            assertThat(lags.lagOf(P1)).isEqualTo(42.0);
            partition1.record(12_345);
            assertThat(lags.lagOf(P1)).isEqualTo(12_345.0);
            assertThat(lags.lagOf(new TopicPartition("us-east-1.geopolitical-events", 0))).isEqualTo(7.0);
            assertThat(lags.lagOf(new TopicPartition("geopolitical-events", 1))).as("never fetched").isNaN();

            metrics.removeSensor(partition1.name());
            assertThat(lags.lagOf(P1)).as("unassigned").isNaN();
        }
    }

    @Test
    void otherMetricsAndOtherClientsAreIgnored() {
        PartitionLags lags = new PartitionLags();
        try (Metrics metrics = consumerMetrics(lags)) {
            // the consumer-wide records-lag-max, and a records-lag of another group
            metrics.sensor("max").add(metrics.metricName("records-lag-max", PartitionLags.FETCH_GROUP), new Value());
            metrics.sensor("other").add(metrics.metricName(PartitionLags.RECORDS_LAG, "other-group",
                    Map.of("topic", "us-east-1_geopolitical-events", "partition", "1")), new Value());
            metrics.getSensor("other").record(99);
            assertThat(lags.lagOf(P1)).isNaN();
        }
        // The enumerator's admin client has no lags in its configs: its reporter does nothing.
        PartitionLagReporter adminReporter = new PartitionLagReporter();
        adminReporter.configure(Map.of("client.id", "harbinger-enumerator-admin-client"));
        try (Metrics admin = new Metrics()) {
            admin.addReporter(adminReporter);
            lagSensor(admin, "us-east-1_geopolitical-events", 1).record(5);
        }
    }

    @Test
    void aClosedConsumersLagsAreForgotten() {
        PartitionLags lags = new PartitionLags();
        Metrics metrics = consumerMetrics(lags);
        lagSensor(metrics, "us-east-1_geopolitical-events", 1).record(3);
        assertThat(lags.lagOf(P1)).isEqualTo(3.0);
        metrics.close();
        assertThat(lags.lagOf(P1)).isNaN();
    }

    @Test
    void aDeserializedCopyStartsEmptyAndWorks() throws Exception {
        PartitionLags copy = InstantiationUtil.clone(new PartitionLags());
        assertThat(copy.lagOf(P1)).isNaN();
        try (Metrics metrics = consumerMetrics(copy)) {
            lagSensor(metrics, "us-east-1_geopolitical-events", 1).record(8);
            assertThat(copy.lagOf(P1)).isEqualTo(8.0);
        }
    }

    private static Metrics consumerMetrics(PartitionLags lags) {
        PartitionLagReporter reporter = new PartitionLagReporter();
        reporter.configure(Map.of(PartitionLags.PROPERTY, lags, "client.id", "harbinger-0"));
        Metrics metrics = new Metrics();
        metrics.addReporter(reporter);
        return metrics;
    }

    /** As the consumer's fetcher registers a partition's lag (Kafka 3.4 FetchManagerMetrics). */
    private static Sensor lagSensor(Metrics metrics, String topicTag, int partition) {
        Sensor sensor = metrics.sensor(topicTag + "-" + partition + ".records-lag");
        sensor.add(metrics.metricName(PartitionLags.RECORDS_LAG, PartitionLags.FETCH_GROUP,
                Map.of("topic", topicTag, "partition", String.valueOf(partition))), new Value());
        return sensor;
    }
}
