package io.harbinger.stream.aggregate;

import io.harbinger.stream.config.JobConfig.MetricsSettings;
import io.harbinger.stream.records.Envelope;
import io.harbinger.stream.records.Reason;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;

import java.time.Instant;

/**
 * Gives events that arrived after their window closed the LATE reason and a message that says which window,
 * and counts them (metric lateEvents in the job's metric group).
 */
public class MarkLate extends RichMapFunction<Envelope, Envelope> {
    private static final long serialVersionUID = 1L;
    private final TumblingWindowRule rule;
    private final MetricsSettings metrics;
    private transient Counter lateEvents;

    public MarkLate(TumblingWindowRule rule, MetricsSettings metrics) {
        this.rule = rule;
        this.metrics = metrics;
    }

    @Override
    public void open(OpenContext openContext) {
        lateEvents = metrics.jobGroup(getRuntimeContext().getMetricGroup()).counter("lateEvents");
    }

    @Override
    public Envelope map(Envelope envelope) {
        lateEvents.inc();
        long ts = envelope.event.getTimestamp();
        long start = rule.windowStart(ts);
        return envelope.withReason(Reason.LATE, "event " + envelope.event.getEventId() + " at "
                + Instant.ofEpochMilli(ts) + " arrived after its window [" + Instant.ofEpochMilli(start) + ", "
                + Instant.ofEpochMilli(start + rule.sizeMillis()) + ") closed (allowed lateness "
                + rule.allowedLatenessMillis() + " ms) [" + envelope.raw.describe() + "]");
    }
}
