package io.harbinger.stream.source;

import io.harbinger.stream.records.Envelope;

import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkOutputMultiplexer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Watermarks per Kinesis shard, chained right behind FlinkKinesisConsumer (which emits none itself): every
 * shard a subtask reads gets its own generator from the job's watermark strategy (EventTimeStrategy: bounded
 * out-of-orderness, idleness, rejected records invisible), and the subtask's watermark is the minimum over its
 * active shards, the way the Kafka source keeps one per partition.
 *
 * <p>The connector's own per-shard watermarks cannot do this: it counts every record, rejected ones too, as
 * shard activity. Here a shard that delivers only garbage goes idle like an empty one, a closed parent shard
 * goes idle after a reshard and its children are added as they appear, and a subtask that has seen no valid
 * record for the idleness timeout marks itself idle, so no window waits for it. Watermarks from upstream are
 * ignored except the final one (end of input, or stop-with-savepoint --drain), which passes through.
 *
 * <p>A shard becomes known here with its first record, so for the idleness timeout after (re)start the subtask
 * emits no watermark at all: every shard it reads gets that long to deliver, as a Kafka split does from its
 * assignment. Without that hold, the shard whose batch came first carried the watermark past the others'
 * backlog, and their records went to the late-events topic (172 of the 4,431 valid events of the Kinesis
 * local run did).
 */
public class PerShardWatermarks extends AbstractStreamOperator<Envelope>
        implements OneInputStreamOperator<Envelope, Envelope>, ProcessingTimeCallback {
    private static final long serialVersionUID = 1L;
    private static final long DEFAULT_INTERVAL_MILLIS = 200;

    private final WatermarkStrategy<Envelope> strategy;
    private final long idlenessMillis;

    private transient TimestampAssigner<Envelope> assigner;
    /** Stream -> shard id -> its generator and output: found per record without building a key string. */
    private transient Map<String, Map<String, Shard>> shardsByStream;
    private transient List<Shard> shards;
    private transient WatermarkOutputMultiplexer multiplexer;
    private transient StatusOutput statusOutput;
    private transient long intervalMillis;
    private transient long lastActivity;
    private transient long openedAt;
    private transient boolean finished;

    public PerShardWatermarks(WatermarkStrategy<Envelope> strategy, Duration idleness) {
        this.strategy = strategy;
        this.idlenessMillis = idleness.toMillis();
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    @Override
    public void open() throws Exception {
        super.open();
        assigner = strategy.createTimestampAssigner(this::getMetricGroup);
        shardsByStream = new HashMap<>();
        shards = new ArrayList<>();
        statusOutput = new StatusOutput();
        multiplexer = new WatermarkOutputMultiplexer(statusOutput);
        long configured = getExecutionConfig().getAutoWatermarkInterval();
        intervalMillis = configured > 0 ? configured : DEFAULT_INTERVAL_MILLIS;
        openedAt = getProcessingTimeService().getCurrentProcessingTime();
        lastActivity = openedAt;
        scheduleNext();
    }

    @Override
    public void processElement(StreamRecord<Envelope> element) {
        Envelope envelope = element.getValue();
        Shard shard = shard(envelope.raw.source, envelope.raw.partition);
        long timestamp = assigner.extractTimestamp(envelope,
                element.hasTimestamp() ? element.getTimestamp() : Long.MIN_VALUE);
        if (envelope.isValid()) {
            lastActivity = getProcessingTimeService().getCurrentProcessingTime();
            statusOutput.markActive();
        }
        shard.generator.onEvent(envelope, timestamp, shard.output);
        output.collect(element.replace(envelope, timestamp));
    }

    @Override
    public void onProcessingTime(long time) {
        if (finished) {
            return;
        }
        for (Shard shard : shards) {
            shard.generator.onPeriodicEmit(shard.output);
        }
        if (time - openedAt >= idlenessMillis) { // the start-up hold: shards not yet heard from may be behind
            multiplexer.onPeriodicEmit();
        }
        if (time - lastActivity >= idlenessMillis) {
            // No valid record at all for the idleness timeout: covers a subtask whose shards never delivered one.
            statusOutput.markIdle();
        }
        scheduleNext();
    }

    private Shard shard(String stream, String shardId) {
        Map<String, Shard> ofStream = shardsByStream.computeIfAbsent(stream, s -> new HashMap<>());
        Shard shard = ofStream.get(shardId);
        if (shard == null) {
            String id = stream + "/" + shardId;
            multiplexer.registerNewOutput(id, watermark -> {});
            shard = new Shard(strategy.createWatermarkGenerator(this::getMetricGroup), multiplexer.getDeferredOutput(id));
            ofStream.put(shardId, shard);
            shards.add(shard);
        }
        return shard;
    }

    private static final class Shard {
        private final WatermarkGenerator<Envelope> generator;
        private final WatermarkOutput output;

        public Shard(WatermarkGenerator<Envelope> generator, WatermarkOutput output) {
            this.generator = generator;
            this.output = output;
        }

        public WatermarkGenerator<Envelope> generator() {
            return generator;
        }

        public WatermarkOutput output() {
            return output;
        }
    }

    private void scheduleNext() {
        long now = getProcessingTimeService().getCurrentProcessingTime();
        getProcessingTimeService().registerTimer(now + intervalMillis, this);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (mark.getTimestamp() == Long.MAX_VALUE && !finished) {
            finished = true;
            statusOutput.markActive();
            super.processWatermark(mark);
        }
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) {
        // This operator decides the idle status of its output from the shards' activity.
    }

    /** Emits the combined watermark and idle status, each change once, with watermarks only ever rising. */
    private final class StatusOutput implements WatermarkOutput {
        private long current = Long.MIN_VALUE;
        private boolean idle;

        @Override
        public void emitWatermark(org.apache.flink.api.common.eventtime.Watermark watermark) {
            if (finished) return;
            if (watermark.getTimestamp() > current) {
                markActive();
                current = watermark.getTimestamp();
                output.emitWatermark(new Watermark(current));
            }
        }

        @Override
        public void markIdle() {
            if (!idle && !finished) {
                idle = true;
                output.emitWatermarkStatus(WatermarkStatus.IDLE);
            }
        }

        @Override
        public void markActive() {
            if (idle) {
                idle = false;
                output.emitWatermarkStatus(WatermarkStatus.ACTIVE);
            }
        }
    }
}
