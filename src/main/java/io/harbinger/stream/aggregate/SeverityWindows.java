package io.harbinger.stream.aggregate;

import io.harbinger.curated.SeverityAggregate;
import io.harbinger.stream.config.JobConfig.MetricsSettings;
import io.harbinger.stream.config.JobConfig.WindowSettings;
import io.harbinger.stream.records.Envelope;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.util.OutputTag;

/**
 * The window stage: a guard that keeps restores honest, pre-aggregation in the task of the events, then
 * tumbling event-time windows per (country_code, event_type). Events past the allowed lateness leave through
 * {@link #LATE_EVENTS}, decided in front of the window, where they are still whole envelopes.
 */
public final class SeverityWindows {
    public static final OutputTag<Envelope> LATE_EVENTS = new OutputTag<>("late-events") {};

    private SeverityWindows() {}

    /** The operators of the stage, so that the job can give each its uid, and the late events of the stage. */
    public static final class Stage {
        private final SingleOutputStreamOperator<Envelope> guard;
        private final SingleOutputStreamOperator<PartialAggregate> preAggregate;
        private final SingleOutputStreamOperator<SeverityAggregate> aggregates;

        public Stage(SingleOutputStreamOperator<Envelope> guard,
                     SingleOutputStreamOperator<PartialAggregate> preAggregate,
                     SingleOutputStreamOperator<SeverityAggregate> aggregates) {
            this.guard = guard;
            this.preAggregate = preAggregate;
            this.aggregates = aggregates;
        }

        public DataStream<Envelope> lateEvents() {
            return guard.getSideOutput(LATE_EVENTS).union(preAggregate.getSideOutput(LATE_EVENTS));
        }

        public SingleOutputStreamOperator<Envelope> guard() {
            return guard;
        }

        public SingleOutputStreamOperator<PartialAggregate> preAggregate() {
            return preAggregate;
        }

        public SingleOutputStreamOperator<SeverityAggregate> aggregates() {
            return aggregates;
        }
    }

    public static Stage apply(DataStream<Envelope> events, WindowSettings settings, MetricsSettings metrics) {
        SingleOutputStreamOperator<Envelope> guarded = events.transform("restored-watermark-guard",
                events.getType(), new RestoredWatermarkGuard(settings));
        SingleOutputStreamOperator<PartialAggregate> partials = guarded.transform("pre-aggregate",
                TypeInformation.of(PartialAggregate.class),
                new PreAggregateWindows(new TumblingWindowRule(settings), settings.preAggregationMaxKeys()));
        return new Stage(guarded, partials, windows(partials, settings, metrics));
    }

    /**
     * The keyed windows alone. They see no late events: the stage in front of them took those out. A partial
     * that arrived late all the same would be dropped and counted in Flink's numLateRecordsDropped of this
     * operator (alert HarbingerLatePartialsDropped).
     */
    static SingleOutputStreamOperator<SeverityAggregate> windows(DataStream<PartialAggregate> partials,
                                                                 WindowSettings settings, MetricsSettings metrics) {
        return partials
                .keyBy(partial -> partial.key)
                .window(TumblingEventTimeWindows.of(settings.size()))
                .allowedLateness(settings.allowedLateness())
                .aggregate(new SeverityAggregator(), new EmitWindowAggregate(metrics));
    }
}
