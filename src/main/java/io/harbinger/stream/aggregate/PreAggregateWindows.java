package io.harbinger.stream.aggregate;

import io.harbinger.events.EventType;
import io.harbinger.stream.records.Envelope;

import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Adds events up per (country_code|event_type, window) in the task that dropped their duplicates, so that the
 * keyed window receives one {@link PartialAggregate} per key and window instead of every event: no envelope
 * crosses the network to the windows, and window state is read and written per partial, not per event.
 *
 * <p>It decides exactly as the window would. An event whose window is closed at this operator's watermark is
 * late and leaves through {@link SeverityWindows#LATE_EVENTS} as it is. Partials are sent before the
 * watermark that fires their window is passed on; the window's watermark is never ahead of that of any of its
 * inputs, so each partial reaches its window before it fires, and revision 0 holds what it held when every event
 * went to the window alone. An event for a window that has fired already (late, within the allowed lateness)
 * goes on at once, on its own, so that it still fires the next revision.
 *
 * <p>Buffers are emptied before every checkpoint barrier, at the end of the input, and whenever one more
 * (key, window) would exceed {@code maxBufferedKeys} (0 sends every event on its own): the operator holds
 * no state across checkpoints and its memory stays bounded.
 */
public class PreAggregateWindows extends AbstractStreamOperator<PartialAggregate>
        implements OneInputStreamOperator<Envelope, PartialAggregate>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    private final TumblingWindowRule rule;
    private final int maxBufferedKeys;

    /** Window start -> country -> event type -> statistics; sorted so the windows a watermark fires come first. */
    private transient TreeMap<Long, Map<String, EnumMap<EventType, SeverityAccumulator>>> windows;
    private transient int bufferedKeys;
    private transient long currentWatermark;
    /** The window most events go to, found without boxing its start or searching the tree. */
    private transient long lastWindowStart;
    private transient Map<String, EnumMap<EventType, SeverityAccumulator>> lastWindow;
    private transient StreamRecord<PartialAggregate> reusedRecord;

    public PreAggregateWindows(TumblingWindowRule rule, int maxBufferedKeys) {
        this.rule = rule;
        this.maxBufferedKeys = maxBufferedKeys;
        // Runs in the dedup task: its whole point is that events do not leave that task.
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    @Override
    public void open() throws Exception {
        super.open();
        windows = new TreeMap<>();
        bufferedKeys = 0;
        currentWatermark = Long.MIN_VALUE;
        lastWindow = null;
        reusedRecord = new StreamRecord<>(null);
    }

    @Override
    public void processElement(StreamRecord<Envelope> record) {
        Envelope envelope = record.getValue();
        long windowStart = rule.windowStart(envelope.event.getTimestamp());
        if (rule.isClosed(windowStart, currentWatermark)) {
            output.collect(SeverityWindows.LATE_EVENTS, record);
            return;
        }
        double severity = envelope.event.getSeverity();
        if (maxBufferedKeys == 0 || rule.hasFired(windowStart, currentWatermark)) {
            emitSingle(envelope, windowStart, severity);
            return;
        }
        EnumMap<EventType, SeverityAccumulator> byType =
                window(windowStart).computeIfAbsent(envelope.event.getCountryCode(), c -> new EnumMap<>(EventType.class));
        SeverityAccumulator statistics = byType.get(envelope.event.getEventType());
        if (statistics == null) {
            if (bufferedKeys >= maxBufferedKeys) {
                flushAll();
                byType = window(windowStart).computeIfAbsent(envelope.event.getCountryCode(),
                        c -> new EnumMap<>(EventType.class));
            }
            statistics = new SeverityAccumulator();
            byType.put(envelope.event.getEventType(), statistics);
            bufferedKeys++;
        }
        statistics.add(severity);
    }

    private Map<String, EnumMap<EventType, SeverityAccumulator>> window(long windowStart) {
        if (lastWindow == null || lastWindowStart != windowStart) {
            lastWindow = windows.computeIfAbsent(windowStart, start -> new HashMap<>());
            lastWindowStart = windowStart;
        }
        return lastWindow;
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        // Partials first: the window must have them before this watermark fires it.
        while (!windows.isEmpty() && rule.hasFired(windows.firstKey(), mark.getTimestamp())) {
            var fired = windows.pollFirstEntry();
            emitWindow(fired.getKey(), fired.getValue());
        }
        lastWindow = null;
        currentWatermark = Math.max(currentWatermark, mark.getTimestamp());
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        flushAll();
    }

    @Override
    public void endInput() {
        flushAll();
    }

    private void flushAll() {
        windows.forEach(this::emitWindow);
        windows.clear();
        lastWindow = null;
    }

    private void emitWindow(long windowStart, Map<String, EnumMap<EventType, SeverityAccumulator>> byCountry) {
        byCountry.forEach((country, byType) -> byType.forEach((type, statistics) ->
                emit(WindowKey.of(country, type.name()), windowStart, statistics)));
        bufferedKeys -= byCountry.values().stream().mapToInt(Map::size).sum();
    }

    private void emitSingle(Envelope envelope, long windowStart, double severity) {
        SeverityAccumulator statistics = new SeverityAccumulator();
        statistics.add(severity);
        emit(WindowKey.of(envelope), windowStart, statistics);
    }

    private void emit(String key, long windowStart, SeverityAccumulator statistics) {
        output.collect(reusedRecord.replace(new PartialAggregate(key, statistics), rule.maxTimestamp(windowStart)));
    }
}
