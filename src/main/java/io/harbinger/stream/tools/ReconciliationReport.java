package io.harbinger.stream.tools;

import io.harbinger.curated.SeverityAggregate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/** What the reconciliation found, per output and in total, with the verdict; human and JSON forms. */
public final class ReconciliationReport {
    /** Doubles are summed in another order by the recomputation: equal within this relative tolerance. */
    private static final double TOLERANCE = 1e-9;
    private static final int SHOWN = 20;

    public enum Output {
        TOPIC("aggregates topic"), TABLE("severity_aggregates");

        final String label;

        Output(String label) {
            this.label = label;
        }
    }

    public enum Kind { MISSING, EXTRA, DUPLICATED, DIFFERENT }

    /** One window of one key. */
    public static final class WindowId implements Comparable<WindowId> {
        final String countryCode;
        final String eventType;
        final long windowStart;

        WindowId(String countryCode, String eventType, long windowStart) {
            this.countryCode = countryCode;
            this.eventType = eventType;
            this.windowStart = windowStart;
        }

        static WindowId of(SeverityAggregate a) {
            return new WindowId(a.getCountryCode(), a.getEventType(), a.getWindowStart());
        }

        @Override
        public int compareTo(WindowId o) {
            return Comparator.comparingLong((WindowId w) -> w.windowStart).thenComparing(w -> w.countryCode)
                    .thenComparing(w -> w.eventType).compare(this, o);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof WindowId && compareTo((WindowId) o) == 0;
        }

        @Override
        public int hashCode() {
            return (countryCode + "|" + eventType).hashCode() * 31 + Long.hashCode(windowStart);
        }

        @Override
        public String toString() {
            return countryCode + "|" + eventType + " " + Instant.ofEpochMilli(windowStart);
        }
    }

    public static final class Finding {
        final Output output;
        final Kind kind;
        final WindowId window;
        final String detail;

        Finding(Output output, Kind kind, WindowId window, String detail) {
            this.output = output;
            this.kind = kind;
            this.window = window;
            this.detail = detail;
        }

        public Output output() {
            return output;
        }

        public Kind kind() {
            return kind;
        }

        public String window() {
            return window.toString();
        }

        @Override
        public String toString() {
            return String.format("%-19s %-10s %s: %s", output.label, kind.name().toLowerCase(), window, detail);
        }
    }

    private final Instant from;
    private final Instant to;
    private final int windowsCompared;
    private final int notComparable;
    private final long recomputedEvents;
    private final int lateEventsLeftOut;
    private final List<Finding> findings;

    private ReconciliationReport(Instant from, Instant to, int windowsCompared, int notComparable,
                                 long recomputedEvents, int lateEventsLeftOut, List<Finding> findings) {
        this.from = from;
        this.to = to;
        this.windowsCompared = windowsCompared;
        this.notComparable = notComparable;
        this.recomputedEvents = recomputedEvents;
        this.lateEventsLeftOut = lateEventsLeftOut;
        this.findings = findings;
    }

    static ReconciliationReport compare(Instant from, Instant to, Map<WindowId, SeverityAggregate> expected,
                                        Map<WindowId, List<SeverityAggregate>> topic,
                                        Map<WindowId, List<SeverityAggregate>> table, Predicate<WindowId> closed,
                                        long recomputedEvents, int lateEventsLeftOut) {
        Set<WindowId> all = new TreeSet<>(expected.keySet());
        all.addAll(topic.keySet());
        all.addAll(table.keySet());
        List<Finding> findings = new ArrayList<>();
        int compared = 0;
        int notComparable = 0;
        for (WindowId w : all) {
            if (!closed.test(w)) {
                notComparable++;
                continue;
            }
            compared++;
            SeverityAggregate want = expected.get(w);
            check(Output.TOPIC, w, want, topic.getOrDefault(w, List.of()), findings);
            check(Output.TABLE, w, want, table.getOrDefault(w, List.of()), findings);
        }
        return new ReconciliationReport(from, to, compared, notComparable, recomputedEvents, lateEventsLeftOut,
                findings);
    }

    private static void check(Output output, WindowId w, SeverityAggregate want, List<SeverityAggregate> got,
                              List<Finding> findings) {
        if (got.isEmpty()) {
            if (want != null) findings.add(new Finding(output, Kind.MISSING, w, "expected count " + want.getCount()));
            return;
        }
        Set<Integer> revisions = new HashSet<>();
        for (SeverityAggregate a : got) {
            if (!revisions.add(a.getRevision())) {
                findings.add(new Finding(output, Kind.DUPLICATED, w, "revision " + a.getRevision()
                        + " committed more than once"));
            }
        }
        SeverityAggregate last = got.stream().max(Comparator.comparingInt(SeverityAggregate::getRevision)).get();
        if (want == null) {
            findings.add(new Finding(output, Kind.EXTRA, w, "count " + last.getCount() + " (revision "
                    + last.getRevision() + "), but the raw input has no event for it"));
            return;
        }
        String difference = difference(want, last);
        if (difference != null) findings.add(new Finding(output, Kind.DIFFERENT, w, difference
                + " (revision " + last.getRevision() + ")"));
    }

    private static String difference(SeverityAggregate want, SeverityAggregate got) {
        if (want.getCount() != got.getCount()) {
            return "count " + got.getCount() + ", expected " + want.getCount();
        }
        if (want.getWindowEnd() != got.getWindowEnd()) {
            return "window end " + Instant.ofEpochMilli(got.getWindowEnd()) + ", expected "
                    + Instant.ofEpochMilli(want.getWindowEnd());
        }
        String[] names = {"severity_sum", "severity_mean", "severity_min", "severity_max", "severity_stddev"};
        double[] w = {want.getSeveritySum(), want.getSeverityMean(), want.getSeverityMin(), want.getSeverityMax(),
                want.getSeverityStddev()};
        double[] g = {got.getSeveritySum(), got.getSeverityMean(), got.getSeverityMin(), got.getSeverityMax(),
                got.getSeverityStddev()};
        for (int i = 0; i < names.length; i++) {
            if (Math.abs(w[i] - g[i]) > TOLERANCE * Math.max(1.0, Math.abs(w[i]))) {
                return names[i] + " " + g[i] + ", expected " + w[i];
            }
        }
        return null;
    }

    public List<Finding> findings() {
        return findings;
    }

    public int windowsCompared() {
        return windowsCompared;
    }

    public int mismatches() {
        return findings.size();
    }

    public int notComparable() {
        return notComparable;
    }

    /** 0 only when every comparable window agrees in both outputs. */
    public int exitCode() {
        return findings.isEmpty() ? 0 : 1;
    }

    private Map<Kind, Integer> counts(Output output) {
        Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) counts.put(k, 0);
        for (Finding f : findings) {
            if (f.output == output) counts.merge(f.kind, 1, Integer::sum);
        }
        return counts;
    }

    public String render() {
        StringBuilder s = new StringBuilder();
        s.append("reconciliation of event time [").append(from).append(", ").append(to).append(")\n");
        s.append(String.format("  recomputed from %,d valid unique events of the raw topic (%,d left out: the job"
                + " sent them to the late-events topic)%n", recomputedEvents, lateEventsLeftOut));
        s.append(String.format("  %,d windows compared, %,d not comparable yet (the job may still revise them)%n%n",
                windowsCompared, notComparable));
        for (Output output : Output.values()) {
            Map<Kind, Integer> c = counts(output);
            s.append(String.format("  %-19s missing %d, extra %d, duplicated %d, different %d%n", output.label,
                    c.get(Kind.MISSING), c.get(Kind.EXTRA), c.get(Kind.DUPLICATED), c.get(Kind.DIFFERENT)));
        }
        if (!findings.isEmpty()) s.append('\n');
        findings.stream().limit(SHOWN).forEach(f -> s.append("  ").append(f).append('\n'));
        if (findings.size() > SHOWN) s.append("  ... and ").append(findings.size() - SHOWN).append(" more\n");
        s.append('\n').append(findings.isEmpty()
                ? "AGREE: both outputs hold exactly what the raw input implies"
                : "DISAGREE: " + findings.size() + " mismatches").append(" (exit ").append(exitCode()).append(")\n");
        return s.toString();
    }

    public String toJson() {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("from", from.toString());
        root.put("to", to.toString());
        root.put("windowsCompared", windowsCompared);
        root.put("mismatches", mismatches());
        root.put("notComparable", notComparable);
        root.put("recomputedEvents", recomputedEvents);
        root.put("lateEventsLeftOut", lateEventsLeftOut);
        root.put("exitCode", exitCode());
        ObjectNode outputs = root.putObject("outputs");
        for (Output output : Output.values()) {
            ObjectNode o = outputs.putObject(output == Output.TOPIC ? "aggregatesTopic" : "aggregatesTable");
            counts(output).forEach((k, n) -> o.put(k.name().toLowerCase(), n));
        }
        var list = root.putArray("findings");
        for (Finding f : findings) {
            ObjectNode n = list.addObject();
            n.put("output", f.output == Output.TOPIC ? "aggregatesTopic" : "aggregatesTable");
            n.put("kind", f.kind.name());
            n.put("countryCode", f.window.countryCode);
            n.put("eventType", f.window.eventType);
            n.put("windowStart", Instant.ofEpochMilli(f.window.windowStart).toString());
            n.put("detail", f.detail);
        }
        try {
            return json.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
