package io.harbinger.stream.aggregate;

import io.harbinger.stream.config.JobConfig.EventTimeSettings;
import io.harbinger.stream.validate.Envelope;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Event time comes from the event's own timestamp. Rejected records carry Long.MIN_VALUE so that a record
 * with a wild timestamp, on its way to the dead-letter topic, can never move the watermark.
 */
public final class EventTimeStrategy {
    private EventTimeStrategy() {}

    public static WatermarkStrategy<Envelope> forEvents(EventTimeSettings settings) {
        return WatermarkStrategy.<Envelope>forBoundedOutOfOrderness(settings.maxOutOfOrderness())
                .withTimestampAssigner((envelope, previous) ->
                        envelope.isValid() ? envelope.event.getTimestamp() : Long.MIN_VALUE)
                .withIdleness(settings.idleness());
    }
}
