package io.harbinger.stream.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a local run found, as written to summary.json. Every number is read back from the outputs (Kafka
 * read_committed and PostgreSQL) or the input topic, never from the job's memory.
 */
public record RunSummary(
        List<String> inputs,
        long eventsRead,
        long valid,
        Map<String, Long> deadLettered,
        long duplicatesDropped,
        long late,
        long windowsEmitted,
        long aggregateRows,
        long anomalies,
        long anomalyRows,
        List<String> topAnomalies,
        List<String> busiestKeys) {

    public long deadLetteredTotal() {
        return deadLettered.values().stream().mapToLong(Long::longValue).sum();
    }

    void writeJson(Path file) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), this);
    }

    String render(Path out) {
        StringBuilder s = new StringBuilder();
        s.append("Harbinger Stream local run\n");
        s.append(String.format("  input             %,d records from %s%n", eventsRead, String.join(", ", inputs)));
        s.append(String.format("  valid             %,d%n", valid));
        s.append(String.format("  dead-lettered     %,d%s%n", deadLetteredTotal(), deadLettered.isEmpty() ? ""
                : "  " + deadLettered.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                        .reduce((a, b) -> a + ", " + b).orElse("")));
        s.append(String.format("  duplicates        %,d dropped%n", duplicatesDropped));
        s.append(String.format("  late              %,d (to the late-events topic)%n", late));
        s.append(String.format("  windows emitted   %,d to the aggregates topic, %,d rows in severity_aggregates%n",
                windowsEmitted, aggregateRows));
        s.append(String.format("  anomalies         %,d to the anomalies topic, %,d rows in anomaly_alerts%n",
                anomalies, anomalyRows));
        if (!busiestKeys.isEmpty()) {
            s.append("\nBusiest (country, event type) by valid events:\n");
            busiestKeys.forEach(k -> s.append("  ").append(k).append('\n'));
        }
        if (!topAnomalies.isEmpty()) {
            s.append("\nStrongest anomalies (|z| first):\n");
            topAnomalies.forEach(a -> s.append("  ").append(a).append('\n'));
        }
        s.append("\nWritten to ").append(out).append(": summary.json, aggregates.csv, anomalies.csv,"
                + " dead-letters.csv, report.html (the job's own log: flink.log)\n");
        return s.toString();
    }
}
