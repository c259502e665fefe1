package io.harbinger.stream.aggregate;

import io.harbinger.stream.validate.Envelope;

import org.apache.flink.api.common.functions.AggregateFunction;

/** Incremental window aggregation: the window keeps one accumulator per key, never the events. */
public class SeverityAggregator implements AggregateFunction<Envelope, SeverityAccumulator, SeverityAccumulator> {
    private static final long serialVersionUID = 1L;

    @Override
    public SeverityAccumulator createAccumulator() {
        return new SeverityAccumulator();
    }

    @Override
    public SeverityAccumulator add(Envelope envelope, SeverityAccumulator acc) {
        acc.add(envelope.event.getSeverity());
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
