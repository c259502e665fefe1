package io.harbinger.stream.aggregate;

import io.harbinger.stream.validate.Envelope;
import io.harbinger.stream.validate.Reason;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;

import java.time.Duration;
import java.time.Instant;

/** Gives events that arrived after their window closed the LATE reason and a message that says which window. */
public class MarkLate implements MapFunction<Envelope, Envelope> {
    private static final long serialVersionUID = 1L;
    private final long windowSizeMillis;
    private final long allowedLatenessMillis;

    public MarkLate(Duration windowSize, Duration allowedLateness) {
        this.windowSizeMillis = windowSize.toMillis();
        this.allowedLatenessMillis = allowedLateness.toMillis();
    }

    @Override
    public Envelope map(Envelope envelope) {
        long ts = envelope.event.getTimestamp();
        long start = TimeWindow.getWindowStartWithOffset(ts, 0, windowSizeMillis);
        return envelope.withReason(Reason.LATE, "event " + envelope.event.getEventId() + " at "
                + Instant.ofEpochMilli(ts) + " arrived after its window [" + Instant.ofEpochMilli(start) + ", "
                + Instant.ofEpochMilli(start + windowSizeMillis) + ") closed (allowed lateness "
                + allowedLatenessMillis + " ms) [" + envelope.raw.describe() + "]");
    }
}
