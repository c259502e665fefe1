package io.harbinger.stream.local;

import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.sink.DeadLetterHeaders;
import io.harbinger.stream.toolkit.clients.TopicReader;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads a finished run's outputs from Kafka (read_committed) and PostgreSQL and writes the report files. */
final class RunReport {
    static final String AGGREGATES_HEADER = "window_start,window_end,country_code,event_type,count,severity_sum,"
            + "severity_mean,severity_min,severity_max,severity_stddev,revision";
    static final String ANOMALIES_HEADER = "window_start,window_end,country_code,event_type,metric,observed,"
            + "baseline_mean,baseline_stddev,z_score,threshold,baseline_windows,revision,retracted";
    static final String DEAD_LETTERS_HEADER = "reason,source_topic,source_partition,source_offset,message";
    private static final int DECIMALS = 6;
    private static final int TOP = 10;

    private final JobConfig config;
    private final String bootstrapServers;
    private final String jdbcUrl;
    private final String user;
    private final String password;

    RunReport(JobConfig config, String bootstrapServers, String jdbcUrl, String user, String password) {
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
    }

    RunSummary write(Path out, List<Path> inputs, long eventsRead) throws IOException, SQLException {
        var sinks = config.kafkaSink();
        Map<String, Long> deadLettered = new TreeMap<>();
        List<List<String>> deadLetterRows = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readCommitted(bootstrapServers, sinks.deadLetterTopic())) {
            String reason = header(r, DeadLetterHeaders.REASON);
            deadLettered.merge(reason, 1L, Long::sum);
            deadLetterRows.add(List.of(reason, header(r, DeadLetterHeaders.SOURCE_TOPIC),
                    header(r, DeadLetterHeaders.SOURCE_PARTITION), header(r, DeadLetterHeaders.SOURCE_OFFSET),
                    header(r, DeadLetterHeaders.MESSAGE)));
        }
        Csv.write(out.resolve("dead-letters.csv"), DEAD_LETTERS_HEADER, deadLetterRows);
        long late = TopicReader.readCommitted(bootstrapServers, sinks.lateEventsTopic()).size();
        long windowsEmitted = TopicReader.readCommitted(bootstrapServers, sinks.aggregatesTopic()).size();
        long anomalies = TopicReader.readCommitted(bootstrapServers, sinks.anomaliesTopic()).size();

        try (Connection db = DriverManager.getConnection(jdbcUrl, user, password)) {
            List<List<String>> aggregates = query(db, """
                    SELECT window_start, window_end, country_code, event_type, event_count, severity_sum,
                           severity_mean, severity_min, severity_max, severity_stddev, revision
                    FROM severity_aggregates ORDER BY window_start, country_code, event_type""");
            Csv.write(out.resolve("aggregates.csv"), AGGREGATES_HEADER, aggregates);
            List<List<String>> alerts = query(db, """
                    SELECT window_start, window_end, country_code, event_type, metric, observed, baseline_mean,
                           baseline_stddev, z_score, threshold, baseline_windows, revision, retracted
                    FROM anomaly_alerts ORDER BY window_start, country_code, event_type, metric""");
            Csv.write(out.resolve("anomalies.csv"), ANOMALIES_HEADER, alerts);

            long inWindows = aggregates.stream().mapToLong(row -> Long.parseLong(row.get(4))).sum();
            long deadTotal = deadLettered.values().stream().mapToLong(Long::longValue).sum();
            long valid = eventsRead - deadTotal;
            // Each valid event ends in exactly one window or in the late topic, unless it was a duplicate.
            long duplicates = valid - late - inWindows;
            RunSummary summary = new RunSummary(inputs.stream().map(p -> p.getFileName().toString()).toList(),
                    eventsRead, valid, deadLettered, duplicates, late, windowsEmitted, aggregates.size(),
                    anomalies, alerts.size(), topAnomalies(db), busiestKeys(db));
            summary.writeJson(out.resolve("summary.json"));
            return summary;
        }
    }

    private static List<String> topAnomalies(Connection db) throws SQLException {
        List<String> out = new ArrayList<>();
        for (List<String> r : query(db, "SELECT window_start, country_code, event_type, metric, observed,"
                + " baseline_mean, baseline_stddev, z_score FROM anomaly_alerts"
                + " ORDER BY abs(z_score) DESC, alert_id LIMIT " + TOP)) {
            out.add(String.format("%s  %s %-9s %-13s observed %s vs baseline %s ± %s  z = %s", r.get(0), r.get(1),
                    r.get(2), r.get(3), round(r.get(4), 2), round(r.get(5), 2), round(r.get(6), 2),
                    round(r.get(7), 1)));
        }
        return out;
    }

    private static List<String> busiestKeys(Connection db) throws SQLException {
        List<String> out = new ArrayList<>();
        for (List<String> r : query(db, "SELECT country_code, event_type, sum(event_count) AS events,"
                + " sum(severity_sum) / sum(event_count) AS mean_severity FROM severity_aggregates"
                + " GROUP BY country_code, event_type ORDER BY events DESC, country_code, event_type LIMIT " + TOP)) {
            out.add(String.format("%s %-9s %6s events, mean severity %s", r.get(0), r.get(1), r.get(2),
                    round(r.get(3), 3)));
        }
        return out;
    }

    /** Rows as text: timestamps as ISO-8601 UTC, doubles rounded for reading. */
    private static List<List<String>> query(Connection db, String sql) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery(sql)) {
            int columns = r.getMetaData().getColumnCount();
            while (r.next()) {
                List<String> row = new ArrayList<>(columns);
                for (int i = 1; i <= columns; i++) {
                    Object value = r.getObject(i);
                    if (value instanceof OffsetDateTime || "timestamptz".equals(r.getMetaData().getColumnTypeName(i))) {
                        OffsetDateTime t = r.getObject(i, OffsetDateTime.class);
                        row.add(t.withOffsetSameInstant(ZoneOffset.UTC).format(DateTimeFormatter.ISO_INSTANT));
                    } else if (value instanceof Double d) {
                        row.add(round(d.toString(), DECIMALS));
                    } else {
                        row.add(value == null ? "" : value.toString().trim());
                    }
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static String round(String number, int decimals) {
        return new BigDecimal(number).setScale(decimals, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }
}
