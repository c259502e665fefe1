package io.harbinger.stream.tools;

import io.harbinger.curated.SeverityAggregate;
import io.harbinger.stream.aggregate.WindowKey;
import io.harbinger.stream.anomaly.AnomalyScorer;
import io.harbinger.stream.anomaly.Baseline;
import io.harbinger.stream.config.JobConfig.AnomalySettings;
import io.harbinger.stream.config.JobConfig.JdbcSinkSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Window aggregates of the past, from the job's own outputs (the severity_aggregates table, or a CSV in the
 * local run's aggregates.csv format), turned into the baselines the anomaly detector would have learned from
 * them, by the detector's own scorer.
 */
public final class HistoricalAggregates {
    static final String CSV_HEADER = "window_start,window_end,country_code,event_type,count,severity_sum,"
            + "severity_mean,severity_min,severity_max,severity_stddev,revision";

    private HistoricalAggregates() {}

    public static List<SeverityAggregate> fromCsv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        if (lines.isEmpty() || !lines.get(0).trim().equals(CSV_HEADER)) {
            throw new IllegalArgumentException(file + ": line 1 must be the header " + CSV_HEADER);
        }
        List<SeverityAggregate> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) continue;
            String[] f = line.split(",", -1);
            try {
                if (f.length != 11) throw new IllegalArgumentException("expected 11 fields, found " + f.length);
                out.add(aggregate(Instant.parse(f[0]).toEpochMilli(), Instant.parse(f[1]).toEpochMilli(), f[2], f[3],
                        Long.parseLong(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]),
                        Double.parseDouble(f[7]), Double.parseDouble(f[8]), Double.parseDouble(f[9]),
                        Integer.parseInt(f[10])));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    public static List<SeverityAggregate> fromTable(JdbcSinkSettings jdbc) throws SQLException {
        return fromTable(jdbc, Instant.EPOCH, Instant.parse("9999-12-31T00:00:00Z"));
    }

    /** The rows whose window starts in [from, to), read in a read-only session. */
    public static List<SeverityAggregate> fromTable(JdbcSinkSettings jdbc, Instant from, Instant to)
            throws SQLException {
        List<SeverityAggregate> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbc.url(), jdbc.username(),
                jdbc.password() == null ? null : jdbc.password().reveal());
             PreparedStatement s = c.prepareStatement("SELECT window_start, window_end, country_code, event_type,"
                     + " event_count, severity_sum, severity_mean, severity_min, severity_max, severity_stddev,"
                     + " revision FROM severity_aggregates WHERE window_start >= ? AND window_start < ?")) {
            c.setReadOnly(true);
            s.setObject(1, OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
            s.setObject(2, OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
            ResultSet r = s.executeQuery();
            while (r.next()) {
                out.add(aggregate(r.getObject(1, OffsetDateTime.class).toInstant().toEpochMilli(),
                        r.getObject(2, OffsetDateTime.class).toInstant().toEpochMilli(), r.getString(3).trim(),
                        r.getString(4), r.getLong(5), r.getDouble(6), r.getDouble(7), r.getDouble(8), r.getDouble(9),
                        r.getDouble(10), r.getInt(11)));
            }
        }
        return out;
    }

    /**
     * Per key, the baseline after learning every window in time order as the detector learns it. Windows without
     * events are not in the table, so quiet windows are not learned here as the detector learns them live.
     */
    public static List<KeyedBaseline> baselines(List<SeverityAggregate> aggregates, AnomalySettings settings) {
        AnomalyScorer scorer = new AnomalyScorer(settings);
        Map<String, List<SeverityAggregate>> byKey = new TreeMap<>();
        for (SeverityAggregate a : aggregates) {
            byKey.computeIfAbsent(WindowKey.of(a.getCountryCode(), a.getEventType()), k -> new ArrayList<>()).add(a);
        }
        List<KeyedBaseline> out = new ArrayList<>();
        for (Map.Entry<String, List<SeverityAggregate>> e : byKey.entrySet()) {
            Baseline baseline = null;
            List<SeverityAggregate> windows = e.getValue();
            windows.sort(Comparator.comparingLong(SeverityAggregate::getWindowStart));
            for (SeverityAggregate window : windows) {
                baseline = scorer.scoreAndLearn(baseline, window, AnomalyScorer.newAlertList());
            }
            out.add(new KeyedBaseline(e.getKey(), baseline));
        }
        return out;
    }

    private static SeverityAggregate aggregate(long start, long end, String country, String type, long count,
                                               double sum, double mean, double min, double max, double stddev,
                                               int revision) {
        return SeverityAggregate.newBuilder().setWindowStart(start).setWindowEnd(end).setCountryCode(country)
                .setEventType(type).setCount(count).setSeveritySum(sum).setSeverityMean(mean).setSeverityMin(min)
                .setSeverityMax(max).setSeverityStddev(stddev).setRevision(revision).build();
    }
}
