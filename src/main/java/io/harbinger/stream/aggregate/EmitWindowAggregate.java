package io.harbinger.stream.aggregate;

import io.harbinger.curated.SeverityAggregate;
import io.harbinger.stream.config.JobConfig.MetricsSettings;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Turns a window's accumulator into a {@link SeverityAggregate}. A window fires once at the watermark and
 * again for every late event within the allowed lateness; each firing carries a revision one higher than the
 * last, kept in per-window state that Flink drops when the window is purged.
 */
public class EmitWindowAggregate
        extends ProcessWindowFunction<SeverityAccumulator, SeverityAggregate, String, TimeWindow> {
    private static final long serialVersionUID = 1L;
    private static final ValueStateDescriptor<Integer> NEXT_REVISION =
            new ValueStateDescriptor<>("next-revision", Types.INT);

    private final MetricsSettings metrics;
    private transient Counter windowsEmitted;

    public EmitWindowAggregate(MetricsSettings metrics) {
        this.metrics = metrics;
    }

    @Override
    public void open(OpenContext openContext) {
        windowsEmitted = metrics.jobGroup(getRuntimeContext().getMetricGroup()).counter("windowsEmitted");
    }

    @Override
    public void process(String key, Context context, Iterable<SeverityAccumulator> accumulators,
                        Collector<SeverityAggregate> out) throws Exception {
        SeverityAccumulator acc = accumulators.iterator().next();
        ValueState<Integer> nextRevision = context.windowState().getState(NEXT_REVISION);
        int revision = nextRevision.value() == null ? 0 : nextRevision.value();
        nextRevision.update(revision + 1);
        TimeWindow window = context.window();
        out.collect(SeverityAggregate.newBuilder()
                .setCountryCode(WindowKey.countryCode(key))
                .setEventType(WindowKey.eventType(key))
                .setWindowStart(window.getStart())
                .setWindowEnd(window.getEnd())
                .setCount(acc.count)
                .setSeveritySum(acc.sum)
                .setSeverityMean(acc.mean)
                .setSeverityMin(acc.min)
                .setSeverityMax(acc.max)
                .setSeverityStddev(acc.stddev())
                .setRevision(revision)
                .build());
        windowsEmitted.inc();
    }

    @Override
    public void clear(Context context) {
        context.windowState().getState(NEXT_REVISION).clear();
    }
}
