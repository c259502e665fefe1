package io.harbinger.stream.source;

import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.KafkaMetric;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The Kafka consumer's per-partition {@code records-lag} of one source subtask, handed from the consumer (through
 * {@link PartitionLagReporter}) to the Flink gauges of {@link LagReportingKafkaSource}.
 *
 * <p>One instance travels in the KafkaSource's consumer properties and in the wrapping source, so after Flink
 * deserializes a subtask's copy of the source both hold the same object: the reporter that the subtask's
 * consumer creates finds it in its configs. Nothing is static, so jobs and subtasks in one JVM never mix.
 */
final class PartitionLags implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Consumer property under which the instance travels (not a Kafka config: the consumer ignores it). */
    static final String PROPERTY = "harbinger.partition-lags";
    static final String FETCH_GROUP = "consumer-fetch-manager-metrics";
    static final String RECORDS_LAG = "records-lag";

    private transient ConcurrentMap<String, KafkaMetric> lags = new ConcurrentHashMap<>();

    /** Keeps a metric if it is a partition's records-lag, and says whether it was one. */
    boolean added(KafkaMetric metric) {
        String key = keyOf(metric.metricName());
        if (key != null) {
            lags.put(key, metric);
        }
        return key != null;
    }

    /** Forgets a partition's records-lag when the consumer drops it (partition unassigned, consumer closed). */
    void removed(KafkaMetric metric) {
        String key = keyOf(metric.metricName());
        if (key != null) {
            lags.remove(key, metric);
        }
    }

    /**
     * Records the partition is behind its end (the high watermark; the last stable offset under read_committed)
     * as of the consumer's last fetch of it; NaN before its first fetch or after it was unassigned.
     */
    double lagOf(TopicPartition partition) {
        // The consumer tags the topic with '.' as '_'; Kafka refuses topics whose names collide that way.
        KafkaMetric metric = lags.get(partition.topic().replace('.', '_') + '|' + partition.partition());
        if (metric == null) {
            return Double.NaN;
        }
        Object value = metric.metricValue();
        return value instanceof Number ? ((Number) value).doubleValue() : Double.NaN;
    }

    private static String keyOf(MetricName name) {
        Map<String, String> tags = name.tags();
        if (!FETCH_GROUP.equals(name.group()) || !RECORDS_LAG.equals(name.name())
                || !tags.containsKey("topic") || !tags.containsKey("partition")) {
            return null;
        }
        return tags.get("topic") + '|' + tags.get("partition");
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        lags = new ConcurrentHashMap<>();
    }
}
