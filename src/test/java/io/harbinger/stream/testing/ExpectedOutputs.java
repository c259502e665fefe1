package io.harbinger.stream.testing;

import io.harbinger.events.GeopoliticalEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the job must output for an input, computed from the input alone and independently of the job's classes:
 * the aggregate of every (country, type) window, the anomaly alerts of an EWMA baseline per (country, type)
 * that scores windows with events and, once warm, the silent ones in between, the late events and the dead
 * letters. A test feeds every record it sends, then asks for the outputs once it knows how far event time went.
 *
 * <p>The anomaly rules are those of docs/architecture.md ("Anomaly detection"), written out here again rather
 * than calling the job's scorer, so that a mistake in one shows up as a difference with the other.
 */
public final class ExpectedOutputs {
    /** The anomaly settings the job runs with. */
    public record AnomalyRules(double alpha, int warmUpWindows, double zThreshold, double minStddevCount,
                               double minStddevSeverity, long forgetAfterMillis) {}

    /** One window's aggregate. */
    public record Aggregate(long count, double severitySum) {}

    /** One alert and its evidence; {@code id} is {@code CC|TYPE|windowStart|METRIC}. */
    public record Alert(String id, double observed, double baselineMean, double baselineStddev, double zScore,
                        int baselineWindows) {}

    private final long windowMillis;
    private final AnomalyRules rules;
    /** key CC|TYPE -> window start -> count and severity sum. */
    private final Map<String, TreeMap<Long, double[]>> windows = new HashMap<>();
    private long validEvents;
    private final List<String> lateKeys = new ArrayList<>();
    private final List<String> badKeys = new ArrayList<>();

    public ExpectedOutputs(long windowMillis, AnomalyRules rules) {
        this.windowMillis = windowMillis;
        this.rules = rules;
    }

    /**
     * A valid event in time, given once per event id: upstream copies count nothing and are not given (a set of
     * every id would not fit the long campaign's heap).
     */
    public synchronized void valid(GeopoliticalEvent e) {
        validEvents++;
        long start = Math.floorDiv(e.getTimestamp(), windowMillis) * windowMillis;
        double[] w = windows.computeIfAbsent(e.getCountryCode() + "|" + e.getEventType(), k -> new TreeMap<>())
                .computeIfAbsent(start, k -> new double[2]);
        w[0]++;
        w[1] += e.getSeverity();
    }

    public synchronized void late(String key) {
        lateKeys.add(key);
    }

    public synchronized void bad(String key) {
        badKeys.add(key);
    }

    public synchronized long validEvents() {
        return validEvents;
    }

    public synchronized List<String> lateKeys() {
        return lateKeys.stream().sorted().toList();
    }

    public synchronized List<String> badKeys() {
        return badKeys.stream().sorted().toList();
    }

    /** Every window that ends at or before {@code closedUntil}, keyed {@code CC|TYPE|windowStart}. */
    public synchronized Map<String, Aggregate> aggregates(long closedUntil) {
        Map<String, Aggregate> out = new TreeMap<>();
        windows.forEach((key, byStart) -> byStart.forEach((start, w) -> {
            if (start + windowMillis <= closedUntil) {
                out.put(key + "|" + start, new Aggregate((long) w[0], w[1]));
            }
        }));
        return out;
    }

    /**
     * The alerts of every key, for its windows with events that end at or before {@code closedUntil} and its
     * silent windows up to there.
     */
    public synchronized Map<String, Alert> alerts(long closedUntil) {
        Map<String, Alert> out = new TreeMap<>();
        windows.forEach((key, byStart) -> alertsOf(key, byStart, closedUntil, out));
        return out;
    }

    /** Mean and variance of one metric, weighted exponentially (Finch 2009). */
    private static final class Weighted {
        double mean;
        double variance;

        Weighted(double first) {
            mean = first;
        }

        void add(double x, double alpha) {
            double d = x - mean;
            mean += alpha * d;
            variance = (1 - alpha) * (variance + alpha * d * d);
        }

        double stddev(double floor) {
            return Math.max(Math.sqrt(Math.max(variance, 0)), floor);
        }
    }

    private void alertsOf(String key, TreeMap<Long, double[]> byStart, long closedUntil, Map<String, Alert> out) {
        Weighted count = null;
        Weighted severity = null;
        int learned = 0;
        long lastEnd = 0;
        long lastEventEnd = 0;
        for (Map.Entry<Long, double[]> e : byStart.entrySet()) {
            long end = e.getKey() + windowMillis;
            if (end > closedUntil) {
                break;
            }
            if (count != null) {
                // silent windows between the last learned one and this one, while the key is warm
                for (long silentEnd = lastEnd + windowMillis; silentEnd < end && learned >= rules.warmUpWindows();
                     silentEnd += windowMillis) {
                    if (silentEnd - lastEventEnd > rules.forgetAfterMillis()) {
                        count = null;
                        break;
                    }
                    judge(key, silentEnd, "EVENT_COUNT", 0, count, rules.minStddevCount(), learned, out);
                    count.add(0, rules.alpha());
                    learned++;
                    lastEnd = silentEnd;
                }
            }
            double n = e.getValue()[0];
            double mean = e.getValue()[1] / n;
            if (count == null) {
                count = new Weighted(n);
                severity = new Weighted(mean);
                learned = 1;
            } else {
                if (learned >= rules.warmUpWindows()) {
                    judge(key, end, "EVENT_COUNT", n, count, rules.minStddevCount(), learned, out);
                    judge(key, end, "MEAN_SEVERITY", mean, severity, rules.minStddevSeverity(), learned, out);
                }
                count.add(n, rules.alpha());
                severity.add(mean, rules.alpha());
                learned++;
            }
            lastEnd = end;
            lastEventEnd = end;
        }
        for (long silentEnd = lastEnd + windowMillis; count != null && silentEnd <= closedUntil
                && learned >= rules.warmUpWindows(); silentEnd += windowMillis) {
            if (silentEnd - lastEventEnd > rules.forgetAfterMillis()) {
                break;
            }
            judge(key, silentEnd, "EVENT_COUNT", 0, count, rules.minStddevCount(), learned, out);
            count.add(0, rules.alpha());
            learned++;
        }
    }

    private void judge(String key, long end, String metric, double observed, Weighted baseline, double floor,
                       int learned, Map<String, Alert> out) {
        double stddev = baseline.stddev(floor);
        double z = (observed - baseline.mean) / stddev;
        if (Math.abs(z) >= rules.zThreshold()) {
            String id = key + "|" + (end - windowMillis) + "|" + metric;
            out.put(id, new Alert(id, observed, baseline.mean, stddev, z, learned));
        }
    }

    /** True when {@code z} is so close to the threshold that rounding may put it on either side. */
    public boolean borderline(double z) {
        return Math.abs(Math.abs(z) - rules.zThreshold()) < 1e-9;
    }
}
