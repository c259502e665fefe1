package io.harbinger.stream.sink;

import static io.harbinger.stream.testing.TestEvents.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.harbinger.curated.AnomalyAlert;
import io.harbinger.curated.AnomalyMetric;
import io.harbinger.curated.SeverityAggregate;
import io.harbinger.stream.config.JobConfig.JdbcSinkSettings;
import io.harbinger.stream.config.JobConfig.MetricsSettings;
import io.harbinger.stream.config.Secret;
import io.harbinger.stream.toolkit.services.LocalPostgres;

import org.apache.flink.streaming.runtime.tasks.TestProcessingTimeService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** The upsert sink's batching, retries and errors against a real PostgreSQL that the test stops and starts. */
class PostgresUpsertSinkIT {
    private static LocalPostgres postgres;

    private final UpsertMetrics metrics = UpsertMetrics.unregistered();
    private final List<Duration> sleeps = new ArrayList<>();

    @BeforeAll
    static void startPostgres() {
        postgres = LocalPostgres.start();
        postgres.executeSqlFile(Path.of("schemas/sql/harbinger.sql"));
    }

    @AfterAll
    static void stopPostgres() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @BeforeEach
    void emptyTable() {
        postgres.executeSql("TRUNCATE severity_aggregates");
    }

    @Test
    void replaysConvergeToTheSameRowsAndAnOlderRevisionNeverWins() throws Exception {
        UpsertBatch<SeverityAggregate> batch = batch(settings(5, Duration.ZERO));
        for (int i = 0; i < 5; i++) {
            batch.add(aggregate("C" + i, 0, i + 1));
        }
        batch.flush();
        List<String> first = rows();

        for (int i = 0; i < 5; i++) {
            batch.add(aggregate("C" + i, 0, i + 1));
        }
        batch.add(aggregate("C0", 2, 40));
        batch.add(aggregate("C0", 1, 30));
        batch.flush();
        batch.close();

        assertThat(first).hasSize(5);
        List<String> replayed = rows();
        assertThat(replayed).hasSize(5);
        assertThat(replayed.subList(1, 5)).isEqualTo(first.subList(1, 5));
        assertThat(replayed.get(0)).isEqualTo("C0|40|2");
        assertThat(metrics.rowsUpserted().getCount()).isEqualTo(12);
        assertThat(metrics.retries().getCount()).isZero();
    }

    @Test
    void anAlertsNewestRevisionWinsAReplayedOlderOneAndARetractionStaysARow() throws Exception {
        postgres.executeSql("TRUNCATE anomaly_alerts");
        JdbcSinkSettings settings = settings(10, Duration.ZERO);
        UpsertBatch<AnomalyAlert> batch = new UpsertBatch<>("anomaly_alerts", PostgresUpsertSinks.UPSERT_ALERT,
                PostgresUpsertSinks.anomalies(settings, MetricsSettings.CLUSTER).binder(), settings, metrics, sleeps::add);
        batch.add(alert(0, 0.0, false)); // a window passed quiet
        batch.add(alert(1, 9.0, true));  // late events: no longer an anomaly
        batch.flush();
        batch.add(alert(0, 0.0, false)); // a replay after a restore
        batch.flush();
        batch.close();

        assertThat(alertRows("anomaly_alerts")).containsExactly("UA|CONFLICT|" + T0 + "|EVENT_COUNT|9.0|1|true");
        assertThat(alertRows("current_anomaly_alerts")).isEmpty();
    }

    @Test
    void rerunningTheDdlGivesATableOf010TheRevisionColumns() throws Exception {
        String url = postgres.createDatabase("from_0_1_0");
        try (Connection c = java.sql.DriverManager.getConnection(url, postgres.username(), postgres.password());
             Statement s = c.createStatement()) {
            // anomaly_alerts as 0.1.0 created it, with one alert
            s.execute("CREATE TABLE anomaly_alerts (alert_id VARCHAR(128) NOT NULL PRIMARY KEY,"
                    + " country_code CHAR(2) NOT NULL, event_type VARCHAR(32) NOT NULL,"
                    + " window_start TIMESTAMPTZ NOT NULL, window_end TIMESTAMPTZ NOT NULL, metric VARCHAR(32) NOT NULL,"
                    + " observed DOUBLE PRECISION NOT NULL, baseline_mean DOUBLE PRECISION NOT NULL,"
                    + " baseline_stddev DOUBLE PRECISION NOT NULL, z_score DOUBLE PRECISION NOT NULL,"
                    + " threshold DOUBLE PRECISION NOT NULL, baseline_windows INTEGER NOT NULL)");
            s.execute("INSERT INTO anomaly_alerts VALUES ('old', 'UA', 'CONFLICT', now(), now(), 'EVENT_COUNT',"
                    + " 12, 2, 1, 10, 3, 6)");

            s.execute(java.nio.file.Files.readString(Path.of("schemas/sql/harbinger.sql")));
            s.execute(java.nio.file.Files.readString(Path.of("schemas/sql/harbinger.sql"))); // and again

            try (ResultSet r = s.executeQuery("SELECT alert_id, revision, retracted FROM current_anomaly_alerts")) {
                assertThat(r.next()).isTrue();
                assertThat(r.getString(1) + "|" + r.getInt(2) + "|" + r.getBoolean(3)).isEqualTo("old|0|false");
            }
        }
    }

    @Test
    void flushesAFullBatchAtOnceAndTheRestWhenFlinkAsks() throws Exception {
        UpsertBatchWriter<SeverityAggregate> writer = writer(settings(3, Duration.ZERO), new TestProcessingTimeService());
        for (int i = 0; i < 4; i++) {
            writer.write(aggregate("C" + i, 0, 1), null);
        }
        assertThat(rows()).hasSize(3);

        writer.flush(false); // before a checkpoint barrier
        assertThat(rows()).hasSize(4);
        writer.close();
    }

    @Test
    void flushesWhenTheOldestRowHasWaitedTheBatchInterval() throws Exception {
        TestProcessingTimeService time = new TestProcessingTimeService();
        time.setCurrentTime(0);
        UpsertBatchWriter<SeverityAggregate> writer = writer(settings(100, Duration.ofMillis(200)), time);

        writer.write(aggregate("A1", 0, 1), null);
        time.setCurrentTime(199);
        assertThat(rows()).isEmpty();
        time.setCurrentTime(200);
        assertThat(rows()).containsExactly("A1|1|0");

        // A checkpoint flushes the batch whose timer is still pending; that timer must not cut the next batch short.
        writer.write(aggregate("B1", 0, 1), null); // timer at 400
        time.setCurrentTime(250);
        writer.flush(false);
        time.setCurrentTime(300);
        writer.write(aggregate("B2", 0, 1), null); // timer at 500
        time.setCurrentTime(400);
        assertThat(rows()).containsExactly("A1|1|0", "B1|1|0");
        time.setCurrentTime(500);
        assertThat(rows()).containsExactly("A1|1|0", "B1|1|0", "B2|1|0");
        writer.close();
    }

    @Test
    void copiesRowsWhenUpstreamReusesObjects() throws Exception {
        SeverityAggregate reused = aggregate("R1", 0, 1);
        UpsertBatch<SeverityAggregate> batch = batch(settings(10, Duration.ZERO));
        UpsertBatchWriter<SeverityAggregate> writer = new UpsertBatchWriter<>(batch,
                a -> SeverityAggregate.newBuilder(a).build(), 10, 0, new TestProcessingTimeService());
        writer.write(reused, null);
        reused.setCountryCode("R2");
        writer.write(reused, null);
        writer.flush(true);
        assertThat(rows()).containsExactly("R1|1|0", "R2|1|0");
        writer.close();
    }

    @Test
    void retriesThroughAnOutageWithBackoffAndCountsEachRetry() throws Exception {
        UpsertBatch<SeverityAggregate> batch = new UpsertBatch<>("severity_aggregates",
                PostgresUpsertSinks.UPSERT_AGGREGATE,
                PostgresUpsertSinks.aggregates(settings(10, Duration.ZERO), MetricsSettings.CLUSTER).binder(),
                settings(10, Duration.ZERO), metrics, d -> {
                    sleeps.add(d);
                    if (sleeps.size() == 3) {
                        postgres.restart();
                    }
                });
        batch.add(aggregate("O1", 0, 7));
        batch.flush(); // opens the connection, which the outage then breaks
        postgres.stop();
        batch.add(aggregate("O2", 0, 8));

        batch.flush();
        batch.close();

        assertThat(rows()).containsExactly("O1|7|0", "O2|8|0");
        assertThat(metrics.retries().getCount()).isEqualTo(3);
        assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(250));
    }

    @Test
    void givesUpAfterMaxRetriesWithAnErrorNamingTableAndKeyAndKeepsTheRows() throws Exception {
        UpsertBatch<SeverityAggregate> batch = batch(settings(10, Duration.ZERO));
        batch.add(aggregate("G1", 0, 1));
        batch.add(aggregate("G2", 0, 1));
        postgres.stop();
        try {
            assertThatThrownBy(batch::flush)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("Upserting 2 rows into table severity_aggregates at " + postgres.jdbcUrl())
                    .hasMessageContaining("failed 5 times (sinks.jdbc.max-retries is 4)")
                    .hasMessageContaining(":" + postgres.port() + " refused");
            assertThat(batch.size()).isEqualTo(2);
            assertThat(metrics.retries().getCount()).isEqualTo(4);
        } finally {
            postgres.restart();
        }
        batch.flush();
        batch.close();
        assertThat(rows()).containsExactly("G1|1|0", "G2|1|0");
    }

    @Test
    void aRowTheTableRejectsIsNamedInTheError() throws Exception {
        UpsertBatch<SeverityAggregate> batch = batch(settings(10, Duration.ZERO));
        batch.add(aggregate("XYZ", 0, 1)); // country_code is CHAR(2)

        assertThatThrownBy(batch::flush)
                .isInstanceOf(IOException.class)
                .hasMessageContaining("severity_aggregates")
                .hasMessageContaining("value too long for type character(2)");
        batch.close();
        assertThat(rows()).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------

    private JdbcSinkSettings settings(int batchSize, Duration batchInterval) {
        return new JdbcSinkSettings(postgres.jdbcUrl(), postgres.username(), new Secret(postgres.password()),
                batchSize, batchInterval, 4, Duration.ofMillis(100), Duration.ofMillis(250));
    }

    private UpsertBatch<SeverityAggregate> batch(JdbcSinkSettings settings) {
        return new UpsertBatch<>("severity_aggregates", PostgresUpsertSinks.UPSERT_AGGREGATE,
                PostgresUpsertSinks.aggregates(settings, MetricsSettings.CLUSTER).binder(), settings, metrics, sleeps::add);
    }

    private UpsertBatchWriter<SeverityAggregate> writer(JdbcSinkSettings settings, TestProcessingTimeService time) {
        return new UpsertBatchWriter<>(batch(settings), UnaryOperator.identity(), settings.batchSize(),
                settings.batchInterval().toMillis(), time);
    }

    private static SeverityAggregate aggregate(String country, int revision, long count) {
        return SeverityAggregate.newBuilder()
                .setCountryCode(country)
                .setEventType("PROTEST")
                .setWindowStart(T0)
                .setWindowEnd(T0 + 60_000)
                .setCount(count)
                .setSeveritySum(0.5 * count)
                .setSeverityMean(0.5)
                .setSeverityMin(0.5)
                .setSeverityMax(0.5)
                .setSeverityStddev(0.0)
                .setRevision(revision)
                .build();
    }

    private static AnomalyAlert alert(int revision, double observed, boolean retracted) {
        return AnomalyAlert.newBuilder().setAlertId("UA|CONFLICT|" + T0 + "|EVENT_COUNT").setCountryCode("UA")
                .setEventType("CONFLICT").setWindowStart(T0).setWindowEnd(T0 + 60_000)
                .setMetric(AnomalyMetric.EVENT_COUNT).setObserved(observed).setBaselineMean(10).setBaselineStddev(1)
                .setZScore(observed - 10).setThreshold(3).setBaselineWindows(3).setRevision(revision)
                .setRetracted(retracted).build();
    }

    /** alert_id|observed|revision|retracted of every row of the table or view. */
    private static List<String> alertRows(String relation) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = postgres.connection(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT alert_id, observed, revision, retracted FROM " + relation
                        + " ORDER BY alert_id")) {
            while (r.next()) {
                rows.add(r.getString(1) + "|" + r.getDouble(2) + "|" + r.getInt(3) + "|" + r.getBoolean(4));
            }
        }
        return rows;
    }

    /** country|count|revision of every row, in country order. */
    private static List<String> rows() throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = postgres.connection(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery(
                        "SELECT country_code, event_count, revision FROM severity_aggregates ORDER BY country_code")) {
            while (r.next()) {
                rows.add(r.getString(1) + "|" + r.getLong(2) + "|" + r.getInt(3));
            }
        }
        return rows;
    }
}
