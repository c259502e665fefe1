package io.harbinger.stream.config;

import java.time.Duration;

/**
 * Prints a duration as config files write it, in the largest unit that divides it exactly ({@code 630s},
 * {@code 15m}, {@code 7d}, {@code 0ms}), for messages that quote durations. Parsing is Flink's
 * {@code TimeUtils.parseDuration} (see {@link ConfigNode}); its printer, {@code TimeUtils.formatWithHighestUnit},
 * writes {@code 15 min} and {@code 0 ms}, not the notation of the config files and docs.
 */
public final class Durations {
    private Durations() {}

    /** The shortest notation that reads back to the same duration, e.g. {@code 15m} (less any part below 1ms). */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 86_400_000 == 0 && ms > 0) return ms / 86_400_000 + "d";
        if (ms % 3_600_000 == 0 && ms > 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0 && ms > 0) return ms / 1000 + "s";
        return ms + "ms";
    }
}
