package io.harbinger.stream.toolkit.services;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalPostgresTest {

    static LocalPostgres postgres;

    @BeforeAll
    static void start() {
        postgres = LocalPostgres.start();
    }

    @AfterAll
    static void stop() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void runsDdlFileAndUpserts(@TempDir Path dir) throws Exception {
        assertThat(postgres.jdbcUrl()).startsWith("jdbc:postgresql://127.0.0.1:").endsWith("/postgres");

        Path ddl = dir.resolve("schema.sql");
        Files.writeString(ddl, ""
                + "CREATE TABLE IF NOT EXISTS severity_aggregate (\n"
                + "  region TEXT NOT NULL,\n"
                + "  window_start TIMESTAMPTZ NOT NULL,\n"
                + "  event_count BIGINT NOT NULL,\n"
                + "  max_severity DOUBLE PRECISION NOT NULL,\n"
                + "  PRIMARY KEY (region, window_start)\n"
                + ");\n"
                + "CREATE INDEX IF NOT EXISTS severity_aggregate_start ON severity_aggregate (window_start);\n"
                + "-- a function with a dollar-quoted body, to prove the script is split correctly\n"
                + "CREATE OR REPLACE FUNCTION touch() RETURNS integer AS $$\n"
                + "BEGIN RETURN 1; END;\n"
                + "$$ LANGUAGE plpgsql;\n");
        postgres.executeSqlFile(ddl);

        String upsert = "INSERT INTO severity_aggregate (region, window_start, event_count, max_severity) "
                + "VALUES (?, TIMESTAMPTZ '2026-01-01 00:00:00+00', ?, ?) "
                + "ON CONFLICT (region, window_start) DO UPDATE SET "
                + "event_count = EXCLUDED.event_count, max_severity = EXCLUDED.max_severity";
        try (Connection c = postgres.connection()) {
            try (PreparedStatement ps = c.prepareStatement(upsert)) {
                ps.setString(1, "EU");
                ps.setLong(2, 3);
                ps.setDouble(3, 0.5);
                ps.executeUpdate();
                // the same key again: replayed after a restart, or a later, larger result
                ps.setString(1, "EU");
                ps.setLong(2, 7);
                ps.setDouble(3, 0.9);
                ps.executeUpdate();
                ps.setString(1, "APAC");
                ps.setLong(2, 1);
                ps.setDouble(3, 0.1);
                ps.executeUpdate();
            }
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery(
                         "SELECT region, event_count, max_severity, touch() FROM severity_aggregate ORDER BY region")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("APAC");
                assertThat(rs.getLong(2)).isEqualTo(1);
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("EU");
                assertThat(rs.getLong(2)).isEqualTo(7);
                assertThat(rs.getDouble(3)).isEqualTo(0.9);
                assertThat(rs.getInt(4)).isEqualTo(1);
                assertThat(rs.next()).isFalse();
            }
        }
    }

    @Test
    void failedScriptRollsBackAndNamesTheFile(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.sql");
        Files.writeString(bad, "CREATE TABLE half_done (id INT);\nCREATE TABLE broken (;\n");
        assertThatThrownBy(() -> postgres.executeSqlFile(bad))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("bad.sql");
        try (Connection c = postgres.connection();
             ResultSet rs = c.createStatement().executeQuery("SELECT to_regclass('half_done') IS NULL")) {
            rs.next();
            assertThat(rs.getBoolean(1)).isTrue();
        }
    }

    @Test
    void listensOnLoopbackOnly() throws Exception {
        try (Connection c = postgres.connection();
             ResultSet rs = c.createStatement().executeQuery("SHOW listen_addresses")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("127.0.0.1");
        }
    }
}
