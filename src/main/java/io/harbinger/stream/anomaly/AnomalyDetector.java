package io.harbinger.stream.anomaly;

import io.harbinger.curated.AnomalyAlert;
import io.harbinger.curated.SeverityAggregate;
import io.harbinger.stream.config.JobConfig.AnomalySettings;
import io.harbinger.stream.config.JobConfig.MetricsSettings;
import io.harbinger.stream.config.KeyedStateTtl;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;
import java.util.List;

/**
 * Keyed by (country_code, event_type): keeps the learned {@link Baseline} in state and scores each window
 * when it first fires (revision 0). Later revisions of a window, caused by late events, update the aggregate
 * tables but are not learned again, so the baseline sees every window exactly once. A key that stays silent
 * longer than the baseline TTL starts cold again.
 */
public class AnomalyDetector extends KeyedProcessFunction<String, SeverityAggregate, AnomalyAlert> {
    private static final long serialVersionUID = 1L;

    private final AnomalySettings settings;
    private final MetricsSettings metrics;
    private transient AnomalyScorer scorer;
    private transient ValueState<Baseline> baseline;
    private transient Counter anomalies;

    public AnomalyDetector(AnomalySettings settings, MetricsSettings metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    @Override
    public void open(OpenContext openContext) {
        scorer = new AnomalyScorer(settings);
        baseline = getRuntimeContext().getState(baselineDescriptor(settings.baselineTtl()));
        anomalies = metrics.jobGroup(getRuntimeContext().getMetricGroup()).counter("anomalies");
    }

    /** The state of this operator, as the state tool reads and bootstraps it too. */
    public static ValueStateDescriptor<Baseline> baselineDescriptor(Duration ttl) {
        ValueStateDescriptor<Baseline> descriptor = new ValueStateDescriptor<>("baseline", Baseline.class);
        descriptor.enableTimeToLive(KeyedStateTtl.afterLastWrite(ttl));
        return descriptor;
    }

    @Override
    public void processElement(SeverityAggregate window, Context ctx, Collector<AnomalyAlert> out) throws Exception {
        if (window.getRevision() != 0) {
            return;
        }
        List<AnomalyAlert> alerts = AnomalyScorer.newAlertList();
        baseline.update(scorer.scoreAndLearn(baseline.value(), window, alerts));
        for (AnomalyAlert alert : alerts) {
            anomalies.inc();
            out.collect(alert);
        }
    }
}
