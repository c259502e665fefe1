package io.harbinger.stream.aggregate;

import org.apache.flink.api.common.functions.AggregateFunction;

/**
 * Incremental window aggregation of the partials that {@link PreAggregateWindows} adds up: the window keeps one
 * accumulator per key, never the events.
 */
public class SeverityAggregator implements AggregateFunction<PartialAggregate, SeverityAccumulator, SeverityAccumulator> {
    private static final long serialVersionUID = 1L;

    @Override
    public SeverityAccumulator createAccumulator() {
        return new SeverityAccumulator();
    }

    @Override
    public SeverityAccumulator add(PartialAggregate partial, SeverityAccumulator acc) {
        acc.merge(partial.severity);
        return acc;
    }

    @Override
    public SeverityAccumulator getResult(SeverityAccumulator acc) {
        return acc;
    }

    @Override
    public SeverityAccumulator merge(SeverityAccumulator a, SeverityAccumulator b) {
        a.merge(b);
        return a;
    }
}
