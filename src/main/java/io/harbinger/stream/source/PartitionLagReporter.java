package io.harbinger.stream.source;

import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Kafka {@link MetricsReporter} (consumer property {@code metric.reporters}) that passes the consumer's
 * per-partition {@code records-lag} metrics to the {@link PartitionLags} found in the consumer's configs.
 *
 * <p>The connector cannot do it: it registers the consumer's metrics once, when the consumer is created and
 * before any partition metric exists, and by name only, so partitions would collide. Kafka calls a reporter for
 * every metric the consumer adds or removes later. Clients without a {@link PartitionLags} in their configs
 * (the enumerator's admin client copies only the string properties) get a reporter that does nothing.
 */
public final class PartitionLagReporter implements MetricsReporter {
    private volatile PartitionLags lags;
    /** The lag metrics handed over: a closing consumer does not remove its metrics one by one. */
    private final Set<KafkaMetric> handedOver = ConcurrentHashMap.newKeySet();

    @Override
    public void configure(Map<String, ?> configs) {
        Object value = configs.get(PartitionLags.PROPERTY);
        lags = value instanceof PartitionLags ? (PartitionLags) value : null;
    }

    @Override
    public void init(List<KafkaMetric> metrics) {
        metrics.forEach(this::metricChange);
    }

    @Override
    public void metricChange(KafkaMetric metric) {
        PartitionLags target = lags;
        if (target != null && target.added(metric)) {
            handedOver.add(metric);
        }
    }

    @Override
    public void metricRemoval(KafkaMetric metric) {
        PartitionLags target = lags;
        if (target != null && handedOver.remove(metric)) {
            target.removed(metric);
        }
    }

    @Override
    public void close() {
        PartitionLags target = lags;
        if (target != null) {
            handedOver.forEach(target::removed);
        }
        handedOver.clear();
        lags = null;
    }
}
