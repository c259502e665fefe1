package io.harbinger.stream.sink;

import io.harbinger.curated.AnomalyAlert;
import io.harbinger.curated.SeverityAggregate;
import io.harbinger.stream.config.JobConfig.JdbcSinkSettings;
import io.harbinger.stream.config.JobConfig.MetricsSettings;

import io.harbinger.stream.sink.PostgresUpsertSink.RowBinder;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Idempotent upserts into the tables of schemas/sql/harbinger.sql. At-least-once delivery plus
 * INSERT ... ON CONFLICT on the natural key gives an exactly-once result: a replayed row rewrites itself with
 * the same values, and an older revision (of a window or of an alert) never overwrites a newer one.
 */
public final class PostgresUpsertSinks {
    static final String UPSERT_AGGREGATE =
            "INSERT INTO severity_aggregates (country_code, event_type, window_start, window_end, event_count,\n"
            + "    severity_sum, severity_mean, severity_min, severity_max, severity_stddev, revision)\n"
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)\n"
            + "ON CONFLICT (country_code, event_type, window_start) DO UPDATE SET\n"
            + "    window_end = EXCLUDED.window_end, event_count = EXCLUDED.event_count,\n"
            + "    severity_sum = EXCLUDED.severity_sum, severity_mean = EXCLUDED.severity_mean,\n"
            + "    severity_min = EXCLUDED.severity_min, severity_max = EXCLUDED.severity_max,\n"
            + "    severity_stddev = EXCLUDED.severity_stddev, revision = EXCLUDED.revision\n"
            + "WHERE severity_aggregates.revision <= EXCLUDED.revision";

    static final String UPSERT_ALERT =
            "INSERT INTO anomaly_alerts (alert_id, country_code, event_type, window_start, window_end, metric,\n"
            + "    observed, baseline_mean, baseline_stddev, z_score, threshold, baseline_windows, revision, retracted)\n"
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)\n"
            + "ON CONFLICT (alert_id) DO UPDATE SET\n"
            + "    country_code = EXCLUDED.country_code, event_type = EXCLUDED.event_type,\n"
            + "    window_start = EXCLUDED.window_start, window_end = EXCLUDED.window_end, metric = EXCLUDED.metric,\n"
            + "    observed = EXCLUDED.observed, baseline_mean = EXCLUDED.baseline_mean,\n"
            + "    baseline_stddev = EXCLUDED.baseline_stddev, z_score = EXCLUDED.z_score,\n"
            + "    threshold = EXCLUDED.threshold, baseline_windows = EXCLUDED.baseline_windows,\n"
            + "    revision = EXCLUDED.revision, retracted = EXCLUDED.retracted\n"
            + "WHERE anomaly_alerts.revision <= EXCLUDED.revision";

    private PostgresUpsertSinks() {}

    public static PostgresUpsertSink<SeverityAggregate> aggregates(JdbcSinkSettings settings, MetricsSettings metrics) {
        RowBinder<SeverityAggregate> bind = (ps, a) -> {
            ps.setString(1, a.getCountryCode());
            ps.setString(2, a.getEventType());
            ps.setObject(3, utc(a.getWindowStart()));
            ps.setObject(4, utc(a.getWindowEnd()));
            ps.setLong(5, a.getCount());
            ps.setDouble(6, a.getSeveritySum());
            ps.setDouble(7, a.getSeverityMean());
            ps.setDouble(8, a.getSeverityMin());
            ps.setDouble(9, a.getSeverityMax());
            ps.setDouble(10, a.getSeverityStddev());
            ps.setInt(11, a.getRevision());
        };
        return new PostgresUpsertSink<>("severity_aggregates", UPSERT_AGGREGATE, bind, settings, metrics);
    }

    public static PostgresUpsertSink<AnomalyAlert> anomalies(JdbcSinkSettings settings, MetricsSettings metrics) {
        RowBinder<AnomalyAlert> bind = (ps, a) -> {
            ps.setString(1, a.getAlertId());
            ps.setString(2, a.getCountryCode());
            ps.setString(3, a.getEventType());
            ps.setObject(4, utc(a.getWindowStart()));
            ps.setObject(5, utc(a.getWindowEnd()));
            ps.setString(6, a.getMetric().name());
            ps.setDouble(7, a.getObserved());
            ps.setDouble(8, a.getBaselineMean());
            ps.setDouble(9, a.getBaselineStddev());
            ps.setDouble(10, a.getZScore());
            ps.setDouble(11, a.getThreshold());
            ps.setInt(12, a.getBaselineWindows());
            ps.setInt(13, a.getRevision());
            ps.setBoolean(14, a.getRetracted());
        };
        return new PostgresUpsertSink<>("anomaly_alerts", UPSERT_ALERT, bind, settings, metrics);
    }

    private static OffsetDateTime utc(long epochMillis) {
        return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
    }
}
