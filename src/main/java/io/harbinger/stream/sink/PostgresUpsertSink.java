package io.harbinger.stream.sink;

import io.harbinger.stream.config.JobConfig.JdbcSinkSettings;
import io.harbinger.stream.config.JobConfig.MetricsSettings;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.IOException;
import java.io.Serializable;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import java.util.function.UnaryOperator;

/**
 * At-least-once batched upserts into one PostgreSQL table. The statements are idempotent upserts (see
 * {@link PostgresUpsertSinks}), so replays after a restore converge to the same rows. Rows are written when a
 * batch is full, when the batch interval has passed, and before every checkpoint barrier, so a completed
 * checkpoint never covers a row that is not in the table.
 *
 * <p>The project writes this sink instead of using flink-connector-jdbc's because operators need to see the
 * upsert retries (the connector counts none) and the retries should back off instead of sleeping 1 s, 2 s, ...
 * on a fixed schedule.
 *
 * <p>It has a committer that never receives anything: savepoints of 0.1.0, taken with the connector's sink,
 * hold (empty) state of a committer operator under this sink's uid, and Flink refuses to restore state that no
 * operator claims. Keeping the same writer + committer shape lets those savepoints restore as they are.
 */
public final class PostgresUpsertSink<T> implements Sink<T>, SupportsCommitter<Void> {
    private static final long serialVersionUID = 1L;

    /** Binds one row's values to the upsert statement's parameters. */
    @FunctionalInterface
    public interface RowBinder<T> extends Serializable {
        void bind(PreparedStatement statement, T row) throws SQLException;
    }

    private final String table;
    private final String upsertSql;
    private final RowBinder<T> binder;
    private final JdbcSinkSettings settings;
    private final MetricsSettings metrics;

    public PostgresUpsertSink(String table, String upsertSql, RowBinder<T> binder, JdbcSinkSettings settings,
                              MetricsSettings metrics) {
        this.table = table;
        this.upsertSql = upsertSql;
        this.binder = binder;
        this.settings = settings;
        this.metrics = metrics;
    }

    RowBinder<T> binder() {
        return binder;
    }

    @Override
    @SuppressWarnings("deprecation") // Sink#createWriter(InitContext) is abstract in 1.20; Flink calls the other one
    public SinkWriter<T> createWriter(InitContext context) {
        throw new UnsupportedOperationException("Flink 1.20 creates writers with a WriterInitContext");
    }

    @Override
    public Committer<Void> createCommitter(CommitterInitContext context) {
        return new NothingToCommit();
    }

    private static final class NothingToCommit implements Committer<Void> {
        @Override
        public void commit(Collection<CommitRequest<Void>> requests) {
            if (!requests.isEmpty()) {
                throw new IllegalStateException("the upsert sink commits nothing, got " + requests.size() + " committables");
            }
        }

        @Override
        public void close() {}
    }

    @Override
    public SimpleVersionedSerializer<Void> getCommittableSerializer() {
        return new NoCommittables();
    }

    /** Version 1, the connector's: its committable state restores as long as it holds no committables. */
    private static final class NoCommittables implements SimpleVersionedSerializer<Void> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(Void nothing) {
            throw new UnsupportedOperationException("the upsert sink has no committables");
        }

        @Override
        public Void deserialize(int version, byte[] serialized) throws IOException {
            throw new IOException("the upsert sink has no committables, but a savepoint holds one (version "
                    + version + ", " + serialized.length + " bytes); it was taken with exactly-once JDBC (XA)"
                    + " writes, which this job never used");
        }
    }

    @Override
    public CommittingSinkWriter<T, Void> createWriter(WriterInitContext context) throws IOException {
        // Rows wait in the batch; with object reuse on, upstream may overwrite the instance we hold.
        UnaryOperator<T> keep = UnaryOperator.identity();
        if (context.isObjectReuseEnabled()) {
            TypeSerializer<T> serializer = context.createInputSerializer();
            keep = serializer::copy;
        }
        return new UpsertBatchWriter<>(
                new UpsertBatch<>(table, upsertSql, binder, settings, UpsertMetrics.register(metrics, context.metricGroup())),
                keep, settings.batchSize(), settings.batchInterval().toMillis(), context.getProcessingTimeService());
    }
}
