package io.harbinger.stream.validate;

import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Valid envelopes stay in the main flow; rejected ones go to the dead-letter side output. */
public class SplitByValidity extends ProcessFunction<Envelope, Envelope> {
    public static final OutputTag<Envelope> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    @Override
    public void processElement(Envelope envelope, Context ctx, Collector<Envelope> out) {
        if (envelope.isValid()) {
            out.collect(envelope);
        } else {
            ctx.output(DEAD_LETTERS, envelope);
        }
    }
}
