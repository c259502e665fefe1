package io.harbinger.stream.dedup;

import io.harbinger.stream.config.JobConfig.MetricsSettings;
import io.harbinger.stream.config.KeyedStateTtl;
import io.harbinger.stream.records.Envelope;

import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;

/**
 * Keyed by event_id: lets the first copy of an event through and drops the copies that upstream retries and
 * MirrorMaker replicas deliver again. What is remembered expires after the configured TTL, which bounds the
 * state to the ids seen in that span.
 *
 * <p>It also reports the event-time lag of the stream right after the source (metric eventTimeLagMs in the
 * job's metric group): wall-clock time minus the last watermark this subtask saw with a record, or -1 before its
 * first watermark.
 */
public class DropDuplicateEvents extends KeyedProcessFunction<String, Envelope, Envelope> {
    private static final long serialVersionUID = 1L;

    private final Duration ttl;
    private final MetricsSettings metricsSettings;
    private transient ValueState<Boolean> seen;
    private transient Counter duplicatesDropped;
    private transient volatile long lastWatermark;

    public DropDuplicateEvents(Duration ttl, MetricsSettings metricsSettings) {
        this.ttl = ttl;
        this.metricsSettings = metricsSettings;
    }

    @Override
    public void open(OpenContext openContext) {
        seen = getRuntimeContext().getState(seenDescriptor(ttl));
        MetricGroup metrics = metricsSettings.jobGroup(getRuntimeContext().getMetricGroup());
        duplicatesDropped = metrics.counter("duplicatesDropped");
        lastWatermark = Long.MIN_VALUE;
        metrics.gauge("eventTimeLagMs", (Gauge<Long>) () -> eventTimeLagMillis(lastWatermark, System.currentTimeMillis()));
    }

    /** The state of this operator, as the state tool reads it too. */
    public static ValueStateDescriptor<Boolean> seenDescriptor(Duration ttl) {
        ValueStateDescriptor<Boolean> descriptor = new ValueStateDescriptor<>("seen", Types.BOOLEAN);
        descriptor.enableTimeToLive(KeyedStateTtl.afterLastWrite(ttl));
        return descriptor;
    }

    @Override
    public void processElement(Envelope envelope, Context ctx, Collector<Envelope> out) throws Exception {
        lastWatermark = ctx.timerService().currentWatermark();
        if (seen.value() != null) {
            duplicatesDropped.inc();
            return;
        }
        seen.update(Boolean.TRUE);
        out.collect(envelope);
    }

    /** Processing time minus the watermark, or -1 while there is no watermark yet. */
    static long eventTimeLagMillis(long watermark, long nowMillis) {
        return watermark == Long.MIN_VALUE ? -1 : Math.max(0, nowMillis - watermark);
    }
}
