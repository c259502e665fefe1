package io.harbinger.stream.aggregate;

import io.harbinger.stream.config.JobConfig.EventTimeSettings;
import io.harbinger.stream.records.Envelope;

import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Event time comes from the event's own timestamp, with bounded out-of-orderness and idleness per partition.
 * Rejected records are invisible to it: they carry Long.MIN_VALUE, so a wild timestamp on its way to the
 * dead-letter topic cannot move the watermark, and they do not count as activity, so a partition that only
 * delivers garbage still goes idle instead of holding every window back.
 */
public final class EventTimeStrategy implements WatermarkStrategy<Envelope> {
    private static final long serialVersionUID = 1L;
    private final WatermarkStrategy<Envelope> validEvents;

    private EventTimeStrategy(EventTimeSettings settings) {
        this.validEvents = WatermarkStrategy.<Envelope>forBoundedOutOfOrderness(settings.maxOutOfOrderness())
                .withIdleness(settings.idleness());
    }

    public static WatermarkStrategy<Envelope> forEvents(EventTimeSettings settings) {
        return new EventTimeStrategy(settings);
    }

    @Override
    public TimestampAssigner<Envelope> createTimestampAssigner(TimestampAssignerSupplier.Context context) {
        return (envelope, previous) -> envelope.isValid() ? envelope.event.getTimestamp() : Long.MIN_VALUE;
    }

    @Override
    public WatermarkGenerator<Envelope> createWatermarkGenerator(WatermarkGeneratorSupplier.Context context) {
        WatermarkGenerator<Envelope> inner = validEvents.createWatermarkGenerator(context);
        return new WatermarkGenerator<>() {
            @Override
            public void onEvent(Envelope envelope, long timestamp, WatermarkOutput output) {
                if (envelope.isValid()) {
                    inner.onEvent(envelope, timestamp, output);
                }
            }

            @Override
            public void onPeriodicEmit(WatermarkOutput output) {
                inner.onPeriodicEmit(output);
            }
        };
    }
}
