package io.harbinger.stream.validate;

import io.harbinger.events.EventType;
import io.harbinger.stream.config.JobConfig.MetricsSettings;
import io.harbinger.stream.records.Envelope;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.metrics.Counter;

import java.util.EnumSet;
import java.util.Set;

/**
 * Drops valid events of the types listed in {@code validation.ignored-event-types} (e.g. {@code OTHER}, which
 * readers of the v2 schema also get for symbols they do not know). Such events are well-formed, so they are not
 * dead letters: they are counted in the metric {@code ignoredEvents} of the job's metric group and take no
 * further part in dedup, windows or baselines. Stateless; the pipeline adds it only when the list is not empty.
 */
public class IgnoreEventTypes extends RichFilterFunction<Envelope> {
    private static final long serialVersionUID = 1L;

    private final EnumSet<EventType> ignored;
    private final MetricsSettings metrics;
    private transient Counter ignoredEvents;

    public IgnoreEventTypes(Set<EventType> ignored, MetricsSettings metrics) {
        if (ignored.isEmpty()) {
            throw new IllegalArgumentException("no event types to ignore: leave the stage out of the graph instead");
        }
        this.ignored = EnumSet.copyOf(ignored);
        this.metrics = metrics;
    }

    @Override
    public void open(OpenContext openContext) {
        ignoredEvents = metrics.jobGroup(getRuntimeContext().getMetricGroup()).counter("ignoredEvents");
    }

    /** The value of this subtask's {@code ignoredEvents} counter. */
    long ignoredCount() {
        return ignoredEvents.getCount();
    }

    @Override
    public boolean filter(Envelope envelope) {
        if (ignored.contains(envelope.event.getEventType())) {
            ignoredEvents.inc();
            return false;
        }
        return true;
    }
}
