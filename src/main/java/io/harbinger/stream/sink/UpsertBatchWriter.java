package io.harbinger.stream.sink;

import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Feeds an {@link UpsertBatch}: flushes when the batch is full, when its oldest row has waited the batch
 * interval, and when Flink asks (before each checkpoint barrier and at the end of input). The interval timer
 * runs in the task's mailbox thread, so nothing here is shared between threads.
 */
final class UpsertBatchWriter<T> implements CommittingSinkWriter<T, Void> {
    private final UpsertBatch<T> batch;
    private final UnaryOperator<T> keep;
    private final int batchSize;
    private final long batchIntervalMs;
    private final ProcessingTimeService time;
    /** Counts flushes, so that a timer set for an earlier batch does not flush a younger one early. */
    private long flushes;

    UpsertBatchWriter(UpsertBatch<T> batch, UnaryOperator<T> keep, int batchSize, long batchIntervalMs,
            ProcessingTimeService time) {
        this.batch = batch;
        this.keep = keep;
        this.batchSize = batchSize;
        this.batchIntervalMs = batchIntervalMs;
        this.time = time;
    }

    @Override
    public void write(T row, Context context) throws IOException, InterruptedException {
        batch.add(keep.apply(row));
        if (batch.size() >= batchSize) {
            flushBatch();
        } else if (batch.size() == 1 && batchIntervalMs > 0) {
            long flushesWhenSet = flushes;
            time.registerTimer(time.getCurrentProcessingTime() + batchIntervalMs, now -> {
                if (flushes == flushesWhenSet) {
                    flushBatch();
                }
            });
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        flushBatch();
    }

    /** Rows are in the table once flushed; the committer after this writer only keeps old savepoints restorable. */
    @Override
    public Collection<Void> prepareCommit() {
        return List.of();
    }

    private void flushBatch() throws IOException, InterruptedException {
        flushes++;
        batch.flush();
    }

    @Override
    public void close() throws Exception {
        batch.close();
    }
}
