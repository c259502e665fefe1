package io.harbinger.stream.aggregate;

import io.harbinger.stream.config.JobConfig.WindowSettings;

import org.apache.flink.streaming.api.windowing.windows.TimeWindow;

import java.io.Serializable;

/**
 * Flink's tumbling event-time window arithmetic and its lateness rule in one place, for the operators in
 * front of the window that must decide exactly as it would: windows are aligned to the epoch, and a window is
 * closed (its events are late) once its last timestamp plus the allowed lateness is at or behind the watermark.
 */
public final class TumblingWindowRule implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long sizeMillis;
    private final long allowedLatenessMillis;

    public TumblingWindowRule(WindowSettings settings) {
        this.sizeMillis = settings.size().toMillis();
        this.allowedLatenessMillis = settings.allowedLateness().toMillis();
    }

    public long sizeMillis() {
        return sizeMillis;
    }

    public long allowedLatenessMillis() {
        return allowedLatenessMillis;
    }

    public long windowStart(long timestamp) {
        return TimeWindow.getWindowStartWithOffset(timestamp, 0, sizeMillis);
    }

    /** The window's last timestamp: the watermark that reaches it fires the window. */
    public long maxTimestamp(long windowStart) {
        return windowStart + sizeMillis - 1;
    }

    /** WindowOperator.isWindowLate: the window has been purged, so an event for it is late. */
    public boolean isClosed(long windowStart, long watermark) {
        return maxTimestamp(windowStart) + allowedLatenessMillis <= watermark;
    }

    /** EventTimeTrigger: the window has fired at least once. */
    public boolean hasFired(long windowStart, long watermark) {
        return maxTimestamp(windowStart) <= watermark;
    }
}
