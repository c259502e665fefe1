package io.harbinger.stream.aggregate;

import io.harbinger.stream.config.JobConfig.WindowSettings;
import io.harbinger.stream.records.Envelope;

import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.util.List;

/**
 * Sits in front of the windows and makes a restore safe for them.
 *
 * <p>Flink does not checkpoint watermarks: after a restore the windows see no watermark until the sources emit
 * one, so an event for a window that was purged before the checkpoint would open it again and publish a
 * partial window as a fresh revision 0. This operator remembers the watermark in its checkpoint and, after a
 * restore, sends such events where they always belonged: to the late-events output.
 *
 * <p>It also remembers the window shape. Window state is keyed by window, so a restore with another window
 * size would mix windows of two sizes; that change is refused with a clear message instead.
 *
 * <p>An operator rather than a function because it must see every watermark, also those that arrive while no
 * events do.
 */
public class RestoredWatermarkGuard extends AbstractStreamOperator<Envelope>
        implements OneInputStreamOperator<Envelope, Envelope> {
    private static final long serialVersionUID = 1L;

    private final TumblingWindowRule rule;
    private transient ListState<Long> watermarkState;
    private transient ListState<String> shapeState;
    private transient long restoredWatermark;
    private transient long currentWatermark;

    public RestoredWatermarkGuard(WindowSettings settings) {
        this.rule = new TumblingWindowRule(settings);
        // A plain AbstractStreamOperator starts a new chain (HEAD); this one is a cheap per-record check, so it
        // runs in the dedup task instead of costing every valid event one more serialization and network hop.
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    /** Identifies window state that this build can continue; part of the savepoint contract. */
    String windowShape() {
        return "tumbling(size=" + rule.sizeMillis() + "ms) keyed by country_code|event_type";
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        watermarkState = context.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>("last-watermark", Types.LONG));
        shapeState = context.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>("window-shape", Types.STRING));
        restoredWatermark = Long.MIN_VALUE;
        currentWatermark = Long.MIN_VALUE;
        if (!context.isRestored()) {
            return;
        }
        for (String shape : shapeState.get()) {
            if (!shape.equals(windowShape())) {
                throw new IllegalStateException("The savepoint holds windows of shape [" + shape + "] but this job"
                        + " is configured for [" + windowShape() + "]. Changing window.size or the window key is not"
                        + " state-compatible: restore with the old window.size, or start this job without the"
                        + " savepoint (see docs/operations.md, state compatibility).");
            }
        }
        // Every subtask saw nearly the same watermark (windows sit behind a keyBy); the smallest is the safe one.
        long lowest = Long.MAX_VALUE;
        for (Long watermark : watermarkState.get()) {
            lowest = Math.min(lowest, watermark);
        }
        restoredWatermark = lowest == Long.MAX_VALUE ? Long.MIN_VALUE : lowest;
    }

    @Override
    public void processElement(StreamRecord<Envelope> record) {
        Envelope envelope = record.getValue();
        if (currentWatermark < restoredWatermark && windowClosedAt(envelope.event.getTimestamp(), restoredWatermark)) {
            output.collect(SeverityWindows.LATE_EVENTS, record);
            return;
        }
        output.collect(record);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        currentWatermark = Math.max(currentWatermark, mark.getTimestamp());
        super.processWatermark(mark);
    }

    boolean windowClosedAt(long timestamp, long watermark) {
        return rule.isClosed(rule.windowStart(timestamp), watermark);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        watermarkState.update(List.of(Math.max(currentWatermark, restoredWatermark)));
        shapeState.update(List.of(windowShape()));
    }
}
