package io.harbinger.stream.tools;

import io.harbinger.curated.SeverityAggregate;
import io.harbinger.stream.tools.ReconciliationReport.Kind;
import io.harbinger.stream.tools.ReconciliationReport.Output;
import io.harbinger.stream.tools.ReconciliationReport.WindowId;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

class ReconciliationReportTest {
    private static final long MINUTE = 60_000;
    private static final Instant FROM = Instant.parse("2024-03-01T12:00:00Z");

    private static SeverityAggregate window(String country, int minute, long count, double sum, int revision) {
        long start = FROM.toEpochMilli() + minute * MINUTE;
        return SeverityAggregate.newBuilder().setCountryCode(country).setEventType("CONFLICT").setWindowStart(start)
                .setWindowEnd(start + MINUTE).setCount(count).setSeveritySum(sum).setSeverityMean(sum / count)
                .setSeverityMin(0.1).setSeverityMax(0.9).setSeverityStddev(0.2).setRevision(revision).build();
    }

    private static Map<WindowId, List<SeverityAggregate>> output(SeverityAggregate... rows) {
        Map<WindowId, List<SeverityAggregate>> out = new TreeMap<>();
        for (SeverityAggregate a : rows) out.computeIfAbsent(WindowId.of(a), w -> new ArrayList<>()).add(a);
        return out;
    }

    @Test
    void namesEachKindPerOutputAndLeavesOpenWindowsUncompared() {
        Map<WindowId, SeverityAggregate> expected = new TreeMap<>();
        for (SeverityAggregate a : List.of(window("UA", 0, 3, 1.5, 0), window("US", 0, 2, 1.0, 0),
                window("FR", 1, 4, 2.0, 0), window("UA", 5, 1, 0.5, 0))) {
            expected.put(WindowId.of(a), a);
        }
        // The topic: UA revised (the latest revision counts), US twice at revision 0, FR missing, DE extra,
        // and the open window of minute 5 wrong but not comparable. Sums within the tolerance agree.
        var topic = output(window("UA", 0, 2, 1.0, 0), window("UA", 0, 3, 1.5 + 1e-12, 1),
                window("US", 0, 2, 1.0, 0), window("US", 0, 2, 1.0, 0), window("DE", 1, 1, 0.2, 0),
                window("UA", 5, 9, 0.5, 0));
        var table = output(window("UA", 0, 3, 1.5, 1), window("US", 0, 2, 1.25, 0), window("FR", 1, 4, 2.0, 0));

        ReconciliationReport report = ReconciliationReport.compare(FROM, FROM.plusSeconds(600), expected, topic,
                table, w -> w.windowStart < FROM.toEpochMilli() + 5 * MINUTE, 10, 0);

        assertThat(report.findings()).extracting(f -> f.output(), f -> f.kind(), f -> f.window()).containsExactly(
                tuple(Output.TOPIC, Kind.DUPLICATED, "US|CONFLICT 2024-03-01T12:00:00Z"),
                tuple(Output.TABLE, Kind.DIFFERENT, "US|CONFLICT 2024-03-01T12:00:00Z"),
                tuple(Output.TOPIC, Kind.EXTRA, "DE|CONFLICT 2024-03-01T12:01:00Z"),
                tuple(Output.TOPIC, Kind.MISSING, "FR|CONFLICT 2024-03-01T12:01:00Z"));
        assertThat(report.windowsCompared()).isEqualTo(4);
        assertThat(report.notComparable()).isEqualTo(1);
        assertThat(report.exitCode()).isEqualTo(1);
        assertThat(report.render()).contains("severity_sum 1.25, expected 1.0").contains("DISAGREE: 4 mismatches");
    }
}
