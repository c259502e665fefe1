package io.harbinger.stream.sink;

import io.harbinger.stream.config.JobConfig.JdbcSinkSettings;
import io.harbinger.stream.sink.PostgresUpsertSink.RowBinder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The rows waiting to be upserted into one table and the connection they go through. A flush writes all of
 * them in one transaction; on an SQL error it reconnects and retries the whole batch with exponential
 * backoff, which is safe because every statement is an idempotent upsert.
 */
final class UpsertBatch<T> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UpsertBatch.class);

    /** How the batch waits between attempts; tests replace it to run without real sleeps. */
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final String table;
    private final String upsertSql;
    private final RowBinder<T> binder;
    private final JdbcSinkSettings settings;
    private final UpsertMetrics metrics;
    private final Sleeper sleeper;
    private final List<T> rows = new ArrayList<>();
    private Connection connection;
    private PreparedStatement statement;

    UpsertBatch(String table, String upsertSql, RowBinder<T> binder, JdbcSinkSettings settings,
            UpsertMetrics metrics) {
        this(table, upsertSql, binder, settings, metrics, d -> Thread.sleep(d.toMillis()));
    }

    UpsertBatch(String table, String upsertSql, RowBinder<T> binder, JdbcSinkSettings settings,
            UpsertMetrics metrics, Sleeper sleeper) {
        this.table = table;
        this.upsertSql = upsertSql;
        this.binder = binder;
        this.settings = settings;
        this.metrics = metrics;
        this.sleeper = sleeper;
    }

    void add(T row) {
        rows.add(row);
    }

    int size() {
        return rows.size();
    }

    /** Writes every waiting row, or throws once {@code max-retries} retries have failed too. */
    void flush() throws IOException, InterruptedException {
        if (rows.isEmpty()) {
            return;
        }
        Duration backoff = settings.retryBackoff();
        for (int attempt = 0; ; attempt++) {
            try {
                write();
                metrics.rowsUpserted().inc(rows.size());
                rows.clear();
                return;
            } catch (SQLException e) {
                closeQuietly();
                if (attempt >= settings.maxRetries()) {
                    throw new IOException("Upserting " + rows.size() + " rows into table " + table + " at "
                            + settings.url() + " failed " + (attempt + 1) + " times (sinks.jdbc.max-retries is "
                            + settings.maxRetries() + "); last error: " + describe(e), e);
                }
                metrics.retries().inc();
                LOG.warn("Upserting {} rows into table {} failed (attempt {} of {}), retrying in {}: {}",
                        rows.size(), table, attempt + 1, settings.maxRetries() + 1, backoff, describe(e));
                sleeper.sleep(backoff);
                backoff = min(backoff.multipliedBy(2), settings.maxRetryBackoff());
            }
        }
    }

    private void write() throws SQLException {
        if (connection == null) {
            connect();
        }
        for (T row : rows) {
            binder.bind(statement, row);
            statement.addBatch();
        }
        statement.executeBatch();
        connection.commit();
    }

    private void connect() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", settings.username());
        if (settings.password() != null) {
            properties.setProperty("password", settings.password().reveal());
        }
        // The driver directly, not DriverManager: in a Flink task the driver lives in the user-code class
        // loader, which DriverManager's service loading does not see.
        Connection opened = new org.postgresql.Driver().connect(settings.url(), properties);
        if (opened == null) {
            throw new SQLException("not a PostgreSQL JDBC URL: " + settings.url());
        }
        try {
            opened.setAutoCommit(false);
            statement = opened.prepareStatement(upsertSql);
        } catch (SQLException e) {
            opened.close();
            throw e;
        }
        connection = opened;
    }

    /** The batch error names the first failed row's problem, which the driver hides in the next exception. */
    private static String describe(SQLException e) {
        SQLException next = e.getNextException();
        return next != null && next != e ? e.getMessage() + " (" + next.getMessage() + ")" : e.getMessage();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private void closeQuietly() {
        try {
            close();
        } catch (SQLException e) {
            LOG.debug("Closing the connection to {} after an error failed too", settings.url(), e);
        }
    }

    @Override
    public void close() throws SQLException {
        Connection toClose = connection;
        connection = null;
        statement = null;
        if (toClose != null) {
            toClose.close();
        }
    }
}
