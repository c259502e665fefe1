package io.harbinger.stream.source;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumState;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The KafkaSource, unchanged, plus one gauge per partition its subtask reads:
 * {@code KafkaSourceReader.topic.<topic>.partition.<partition>.recordsLag}, next to the connector's own
 * {@code currentOffset} and {@code committedOffset} (Prometheus:
 * {@code flink_taskmanager_job_task_operator_KafkaSourceReader_topic_partition_recordsLag} with labels
 * {@code topic} and {@code partition}). Its value is the consumer's {@code records-lag} of that partition: records
 * between the position and the partition's end at the last fetch (see {@link PartitionLags}).
 *
 * <p>The enumerator, the splits and their serializers are the KafkaSource's, so checkpoints and savepoints are
 * the same as without this wrapper.
 */
public final class LagReportingKafkaSource<T>
        implements Source<T, KafkaPartitionSplit, KafkaSourceEnumState>, ResultTypeQueryable<T> {
    private static final long serialVersionUID = 1L;
    static final String GROUP = "KafkaSourceReader";
    static final String GAUGE = "recordsLag";

    private final KafkaSource<T> kafka;
    private final PartitionLags lags;

    /** {@code lags} must be the instance in {@code kafka}'s consumer properties (see {@link KafkaEventSource}). */
    LagReportingKafkaSource(KafkaSource<T> kafka, PartitionLags lags) {
        this.kafka = kafka;
        this.lags = lags;
    }

    @Override
    public Boundedness getBoundedness() {
        return kafka.getBoundedness();
    }

    @Override
    public SourceReader<T, KafkaPartitionSplit> createReader(SourceReaderContext context) throws Exception {
        return new Reader<>(kafka.createReader(context), context.metricGroup().addGroup(GROUP), lags);
    }

    @Override
    public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> createEnumerator(
            SplitEnumeratorContext<KafkaPartitionSplit> context) {
        return kafka.createEnumerator(context);
    }

    @Override
    public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restoreEnumerator(
            SplitEnumeratorContext<KafkaPartitionSplit> context, KafkaSourceEnumState checkpoint) throws Exception {
        return kafka.restoreEnumerator(context, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<KafkaPartitionSplit> getSplitSerializer() {
        return kafka.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<KafkaSourceEnumState> getEnumeratorCheckpointSerializer() {
        return kafka.getEnumeratorCheckpointSerializer();
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return kafka.getProducedType();
    }

    /** The KafkaSourceReader, registering a lag gauge for each partition it is given (new or restored). */
    static final class Reader<T> implements SourceReader<T, KafkaPartitionSplit> {
        private final SourceReader<T, KafkaPartitionSplit> reader;
        private final MetricGroup group;
        private final PartitionLags lags;
        private final Set<TopicPartition> registered = new HashSet<>();

        Reader(SourceReader<T, KafkaPartitionSplit> reader, MetricGroup group, PartitionLags lags) {
            this.reader = reader;
            this.group = group;
            this.lags = lags;
        }

        @Override
        public void addSplits(List<KafkaPartitionSplit> splits) {
            for (KafkaPartitionSplit split : splits) {
                TopicPartition partition = split.getTopicPartition();
                if (registered.add(partition)) {
                    group.addGroup("topic", partition.topic())
                            .addGroup("partition", String.valueOf(partition.partition()))
                            .gauge(GAUGE, (Gauge<Double>) () -> lags.lagOf(partition));
                }
            }
            reader.addSplits(splits);
        }

        @Override
        public void start() {
            reader.start();
        }

        @Override
        public InputStatus pollNext(ReaderOutput<T> output) throws Exception {
            return reader.pollNext(output);
        }

        @Override
        public List<KafkaPartitionSplit> snapshotState(long checkpointId) {
            return reader.snapshotState(checkpointId);
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            return reader.isAvailable();
        }

        @Override
        public void notifyNoMoreSplits() {
            reader.notifyNoMoreSplits();
        }

        @Override
        public void handleSourceEvents(SourceEvent event) {
            reader.handleSourceEvents(event);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            reader.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void notifyCheckpointAborted(long checkpointId) throws Exception {
            reader.notifyCheckpointAborted(checkpointId);
        }

        @Override
        public void pauseOrResumeSplits(Collection<String> toPause, Collection<String> toResume) {
            reader.pauseOrResumeSplits(toPause, toResume);
        }

        @Override
        public void close() throws Exception {
            reader.close();
        }
    }
}
