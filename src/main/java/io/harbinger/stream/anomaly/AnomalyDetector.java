package io.harbinger.stream.anomaly;

import io.harbinger.curated.AnomalyAlert;
import io.harbinger.curated.SeverityAggregate;
import io.harbinger.stream.config.JobConfig.AnomalySettings;
import io.harbinger.stream.config.JobConfig.MetricsSettings;
import io.harbinger.stream.config.JobConfig.WindowSettings;
import io.harbinger.stream.config.KeyedStateTtl;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Keyed by (country_code, event_type): keeps the learned {@link Baseline} in state and scores each window
 * against it, then learns the window, once.
 *
 * <p><b>Silence</b> ({@code anomaly.silence.enabled}): once a key is warm, a window of it that passes (the
 * watermark, or a later window of the key, goes past its end) without any event is scored and learned as a
 * window of count 0. An event-time timer at the next window's end finds it. A key whose last event is more
 * than {@code anomaly.silence.forget-after} behind is forgotten: baseline, timers and all. The end of a bounded
 * input (watermark {@code Long.MAX_VALUE}) passes no silent window: the windows after it never came.
 *
 * <p><b>Revisions</b>: a window fired again by late events (or a silent window whose late events fire it at
 * last) is scored again against the baseline its first verdict used, kept until the window's allowed lateness
 * has passed. A metric that alerts now is emitted with the next revision (raised or kept, with the revised
 * evidence); one that alerted before and no longer does is emitted as retracted. The baseline has learned the
 * window as it first closed and does not learn its revisions. Without allowed lateness nothing is kept.
 */
public class AnomalyDetector extends KeyedProcessFunction<String, SeverityAggregate, AnomalyAlert> {
    private static final long serialVersionUID = 1L;

    private final AnomalySettings settings;
    private final long windowSize;
    private final long allowedLateness;
    private final MetricsSettings metrics;
    private transient AnomalyScorer scorer;
    private transient ValueState<Baseline> baseline;
    private transient ValueState<Long> lastEventWindowEnd;
    private transient MapState<Long, ScoredWindow> revisable;
    private transient Counter anomalies;

    public AnomalyDetector(AnomalySettings settings, WindowSettings window, MetricsSettings metrics) {
        this.settings = settings;
        this.windowSize = window.size().toMillis();
        this.allowedLateness = window.allowedLateness().toMillis();
        this.metrics = metrics;
    }

    @Override
    public void open(OpenContext openContext) {
        scorer = new AnomalyScorer(settings);
        baseline = getRuntimeContext().getState(baselineDescriptor(settings.baselineTtl()));
        ValueStateDescriptor<Long> lastEvent = new ValueStateDescriptor<>("last-event-window-end", Types.LONG);
        lastEvent.enableTimeToLive(KeyedStateTtl.afterLastWrite(settings.baselineTtl()));
        lastEventWindowEnd = getRuntimeContext().getState(lastEvent);
        MapStateDescriptor<Long, ScoredWindow> scored = new MapStateDescriptor<>("revisable-windows", Types.LONG,
                TypeInformation.of(ScoredWindow.class));
        scored.enableTimeToLive(KeyedStateTtl.afterLastWrite(settings.baselineTtl()));
        revisable = getRuntimeContext().getMapState(scored);
        anomalies = metrics.jobGroup(getRuntimeContext().getMetricGroup()).counter("anomalies");
    }

    /** The baseline state of this operator, as the state tool reads and bootstraps it too (unchanged since 0.1.0). */
    public static ValueStateDescriptor<Baseline> baselineDescriptor(Duration ttl) {
        ValueStateDescriptor<Baseline> descriptor = new ValueStateDescriptor<>("baseline", Baseline.class);
        descriptor.enableTimeToLive(KeyedStateTtl.afterLastWrite(ttl));
        return descriptor;
    }

    @Override
    public void processElement(SeverityAggregate window, Context ctx, Collector<AnomalyAlert> out) throws Exception {
        long end = window.getWindowEnd();
        if (allowedLateness > 0) {
            ScoredWindow scored = revisable.get(end);
            if (scored != null) {
                scored.revision++;
                scored.raised = emitVerdicts(scored.before, window, scored.revision, scored.raised, out);
                revisable.put(end, scored);
                return;
            }
        }
        Baseline b = baseline.value();
        if (b != null && end <= b.lastWindowEnd) {
            return; // learned, and past its allowed lateness; or a replay
        }
        if (b != null && settings.scoreSilence()) {
            // the key's windows between its last one and this one passed without events
            b = passSilentWindows(b, window.getWindowStart(), ctx.getCurrentKey(), ctx.timerService(), out);
        }
        if (b == null) {
            b = scorer.seed(window);
        } else {
            scoreFirst(b, window, ctx.timerService(), out);
        }
        baseline.update(b);
        if (settings.scoreSilence()) {
            lastEventWindowEnd.update(end);
            awaitNextWindow(b, ctx.timerService());
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AnomalyAlert> out) throws Exception {
        if (allowedLateness > 0) {
            closeRevisions(timestamp);
        }
        long watermark = ctx.timerService().currentWatermark();
        if (!settings.scoreSilence() || watermark == Long.MAX_VALUE) {
            return; // the end of the input: what would follow never came, it was not silent
        }
        Baseline b = baseline.value();
        if (!scorer.isWarm(b) || b.lastWindowEnd + windowSize - 1 > watermark) {
            return; // a timer of revisions only, or the next window has come already
        }
        // every window that ends at or before the watermark has fired if it had events
        b = passSilentWindows(b, watermark + 1, ctx.getCurrentKey(), ctx.timerService(), out);
        if (b != null) {
            baseline.update(b);
            awaitNextWindow(b, ctx.timerService());
        }
    }

    /**
     * Scores and learns, as count 0, the key's windows after the last learned one that end at or before
     * {@code untilEnd}. Returns the baseline, or null when the key has been forgotten on the way.
     */
    private Baseline passSilentWindows(Baseline b, long untilEnd, String key, TimerService timers,
                                       Collector<AnomalyAlert> out) throws Exception {
        Long lastEvent = lastEventWindowEnd.value();
        // keys restored from 0.1.0 state learned only windows with events
        long lastEventEnd = lastEvent == null ? b.lastWindowEnd : lastEvent;
        long pendingTimer = b.lastWindowEnd + windowSize - 1;
        for (long end = b.lastWindowEnd + windowSize; end <= untilEnd && scorer.isWarm(b); end += windowSize) {
            if (end - lastEventEnd > settings.silenceForgetAfter().toMillis()) {
                forget(timers, pendingTimer);
                return null;
            }
            scoreFirst(b, AnomalyScorer.silentWindow(key, end - windowSize, end), timers, out);
        }
        return b;
    }

    /** The first verdict on a window (revision 0), kept for its late revisions; then the window is learned. */
    private void scoreFirst(Baseline b, SeverityAggregate window, TimerService timers, Collector<AnomalyAlert> out)
            throws Exception {
        if (scorer.isWarm(b)) {
            Baseline before = allowedLateness > 0 ? b.copy() : null;
            int raised = emitVerdicts(b, window, 0, 0, out);
            if (before != null) {
                revisable.put(window.getWindowEnd(), new ScoredWindow(before, raised));
                timers.registerEventTimeTimer(revisionsEnd(window.getWindowEnd()));
            }
        }
        scorer.learn(b, window);
    }

    /** Emits the alerts that hold now and retracts those that held before and no longer do. */
    private int emitVerdicts(Baseline before, SeverityAggregate window, int revision, int raisedBefore,
                             Collector<AnomalyAlert> out) {
        int raised = 0;
        for (AnomalyAlert verdict : scorer.judge(before, window, revision)) {
            int bit = 1 << verdict.getMetric().ordinal();
            if (!verdict.getRetracted()) {
                raised |= bit;
                if ((raisedBefore & bit) == 0) {
                    anomalies.inc();
                }
                out.collect(verdict);
            } else if ((raisedBefore & bit) != 0) {
                out.collect(verdict);
            }
        }
        return raised;
    }

    private void awaitNextWindow(Baseline b, TimerService timers) {
        if (scorer.isWarm(b)) {
            timers.registerEventTimeTimer(b.lastWindowEnd + windowSize - 1);
        }
    }

    /** The window operator's cleanup time: no revision of the window can come once the watermark is past it. */
    private long revisionsEnd(long windowEnd) {
        return windowEnd - 1 + allowedLateness;
    }

    private void closeRevisions(long timestamp) throws Exception {
        List<Long> closed = new ArrayList<>();
        for (Long end : revisable.keys()) {
            if (revisionsEnd(end) <= timestamp) {
                closed.add(end);
            }
        }
        for (Long end : closed) {
            revisable.remove(end);
        }
    }

    /** Silent longer than anomaly.silence.forget-after: nothing of the key stays, neither state nor timers. */
    private void forget(TimerService timers, long pendingTimer) throws Exception {
        timers.deleteEventTimeTimer(pendingTimer);
        for (Long end : revisable.keys()) {
            timers.deleteEventTimeTimer(revisionsEnd(end));
        }
        revisable.clear();
        baseline.clear();
        lastEventWindowEnd.clear();
    }
}
