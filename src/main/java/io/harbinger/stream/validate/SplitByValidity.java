package io.harbinger.stream.validate;

import io.harbinger.stream.config.JobConfig.MetricsSettings;
import io.harbinger.stream.records.Envelope;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Valid envelopes stay in the main flow; rejected ones go to the dead-letter side output. Every decoded record
 * passes here once, so where the source's deserializer does not count them
 * ({@link MetricsSettings#validationCountedInSource()}, on the managed service) this operator registers and
 * counts the decode-and-validate metrics in its own group.
 */
public class SplitByValidity extends ProcessFunction<Envelope, Envelope> {
    private static final long serialVersionUID = 1L;
    public static final OutputTag<Envelope> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    private final MetricsSettings metricsSettings;
    /** Null where the source counts. */
    private transient ValidationMetrics metrics;

    public SplitByValidity(MetricsSettings metricsSettings) {
        this.metricsSettings = metricsSettings;
    }

    @Override
    public void open(OpenContext openContext) {
        metrics = metricsSettings.validationCountedInSource() ? null
                : new ValidationMetrics(metricsSettings.jobGroup(getRuntimeContext().getMetricGroup()), null);
    }

    @Override
    public void processElement(Envelope envelope, Context ctx, Collector<Envelope> out) {
        if (metrics != null) {
            metrics.count(envelope);
        }
        if (envelope.isValid()) {
            out.collect(envelope);
        } else {
            ctx.output(DEAD_LETTERS, envelope);
        }
    }
}
