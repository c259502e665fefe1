package io.harbinger.stream.aggregate;

import io.harbinger.curated.SeverityAggregate;
import io.harbinger.stream.config.JobConfig.WindowSettings;
import io.harbinger.stream.validate.Envelope;

import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.util.OutputTag;

/**
 * The window stage: a guard that keeps restores honest, then tumbling event-time windows per
 * (country_code, event_type). Events past the allowed lateness leave through {@link #LATE_EVENTS}.
 */
public final class SeverityWindows {
    public static final OutputTag<Envelope> LATE_EVENTS = new OutputTag<>("late-events") {};

    private SeverityWindows() {}

    /** The two operators of the stage, so that the job can give each its uid, and the late events of both. */
    public record Stage(SingleOutputStreamOperator<Envelope> guard,
                        SingleOutputStreamOperator<SeverityAggregate> aggregates) {
        public DataStream<Envelope> lateEvents() {
            return guard.getSideOutput(LATE_EVENTS).union(aggregates.getSideOutput(LATE_EVENTS));
        }
    }

    public static Stage apply(DataStream<Envelope> events, WindowSettings settings) {
        SingleOutputStreamOperator<Envelope> guarded = events.transform("restored-watermark-guard",
                events.getType(), new RestoredWatermarkGuard(settings));
        return new Stage(guarded, windows(guarded, settings));
    }

    /** The windows alone; returns the aggregates, whose {@link #LATE_EVENTS} holds events beyond the lateness. */
    static SingleOutputStreamOperator<SeverityAggregate> windows(DataStream<Envelope> events, WindowSettings settings) {
        return events
                .keyBy(WindowKey::of)
                .window(TumblingEventTimeWindows.of(settings.size()))
                .allowedLateness(settings.allowedLateness())
                .sideOutputLateData(LATE_EVENTS)
                .aggregate(new SeverityAggregator(), new EmitWindowAggregate());
    }
}
