package io.harbinger.stream.aggregate;

import io.harbinger.curated.SeverityAggregate;
import io.harbinger.stream.config.JobConfig.WindowSettings;
import io.harbinger.stream.validate.Envelope;

import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.util.OutputTag;

/** The window stage: tumbling event-time windows per (country_code, event_type), late events to a side output. */
public final class SeverityWindows {
    public static final OutputTag<Envelope> LATE_EVENTS = new OutputTag<>("late-events") {};

    private SeverityWindows() {}

    /** Returns the aggregates; {@link #LATE_EVENTS} of the result holds events beyond the allowed lateness. */
    public static SingleOutputStreamOperator<SeverityAggregate> apply(DataStream<Envelope> events,
                                                                      WindowSettings settings) {
        return events
                .keyBy(WindowKey::of)
                .window(TumblingEventTimeWindows.of(settings.size()))
                .allowedLateness(settings.allowedLateness())
                .sideOutputLateData(LATE_EVENTS)
                .aggregate(new SeverityAggregator(), new EmitWindowAggregate());
    }
}
