package io.harbinger.stream.tools;

import io.harbinger.stream.HarbingerPipeline;
import io.harbinger.stream.sink.KafkaOutput;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.functions.source.ParallelSourceFunction;
import org.apache.flink.streaming.api.functions.source.SourceFunction;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Sources and sinks that keep their place in the graph (same uid, same operator id) but never reach the
 * outside: the upgrade gate restores a snapshot into the job with these. A source's restored splits and
 * enumerator checkpoint are read with the real source's serializers, so a source whose state format changed
 * fails the restore as it would in production, and are handed back unchanged at the next checkpoint.
 */
public final class CutOffEndpoints implements HarbingerPipeline.Endpoints {
    @Override
    @SuppressWarnings("unchecked")
    public <T, S extends SourceSplit, E> Source<T, S, E> source(Source<T, S, E> source) {
        // Erased at run time: the operator only ever sees the opaque types, through the opaque serializers.
        return (Source<T, S, E>) (Source<T, ?, ?>) new IdleSource<>(source);
    }

    @Override
    public <T> MapFunction<T, KafkaOutput> serializer(MapFunction<T, KafkaOutput> serializer) {
        return new UnusedSerializer<>();
    }

    @Override
    public <T> SourceFunction<T> sourceFunction(SourceFunction<T> source) {
        return new IdleSourceFunction<>(producedType(source));
    }

    /** The real source's type: a stand-in that emits nothing can name none of its own. */
    @SuppressWarnings("unchecked")
    private static <T> TypeInformation<T> producedType(Object source) {
        if (!(source instanceof ResultTypeQueryable)) {
            throw new IllegalArgumentException(source.getClass().getName() + " does not declare what it produces");
        }
        return ((ResultTypeQueryable<T>) source).getProducedType();
    }

    @Override
    public <T> Sink<T> sink(Sink<T> sink) {
        return new DiscardingSink<>();
    }

    /** Split or enumerator checkpoint as restored: its bytes, checked against the real serializer. */
    static final class Opaque implements SourceSplit {
        final byte[] bytes;
        private final String id;

        Opaque(byte[] bytes, String id) {
            this.bytes = bytes;
            this.id = id;
        }

        @Override
        public String splitId() {
            return id;
        }
    }

    static final class OpaqueSerializer implements SimpleVersionedSerializer<Opaque> {
        private final SimpleVersionedSerializer<?> real;

        OpaqueSerializer(SimpleVersionedSerializer<?> real) {
            this.real = real;
        }

        @Override
        public int getVersion() {
            return real.getVersion();
        }

        @Override
        public byte[] serialize(Opaque value) {
            return value.bytes;
        }

        @Override
        public Opaque deserialize(int version, byte[] serialized) throws IOException {
            Object restored = real.deserialize(version, serialized);
            return new Opaque(serialized, restored instanceof SourceSplit
                    ? ((SourceSplit) restored).splitId() : "enumerator");
        }
    }

    static final class IdleSource<T> implements Source<T, Opaque, Opaque>, ResultTypeQueryable<T> {
        private static final long serialVersionUID = 1L;
        private final Source<T, ?, ?> real;

        IdleSource(Source<T, ?, ?> real) {
            this.real = real;
        }

        @Override
        public TypeInformation<T> getProducedType() {
            return producedType(real);
        }

        @Override
        public Boundedness getBoundedness() {
            return Boundedness.CONTINUOUS_UNBOUNDED;
        }

        @Override
        public SplitEnumerator<Opaque, Opaque> createEnumerator(SplitEnumeratorContext<Opaque> context) {
            return new IdleEnumerator(new Opaque(new byte[0], "enumerator"));
        }

        @Override
        public SplitEnumerator<Opaque, Opaque> restoreEnumerator(SplitEnumeratorContext<Opaque> context,
                                                                 Opaque checkpoint) {
            return new IdleEnumerator(checkpoint);
        }

        @Override
        public SimpleVersionedSerializer<Opaque> getSplitSerializer() {
            return new OpaqueSerializer(real.getSplitSerializer());
        }

        @Override
        public SimpleVersionedSerializer<Opaque> getEnumeratorCheckpointSerializer() {
            return new OpaqueSerializer(real.getEnumeratorCheckpointSerializer());
        }

        @Override
        public SourceReader<T, Opaque> createReader(SourceReaderContext readerContext) {
            return new IdleReader<>();
        }
    }

    static final class IdleEnumerator implements SplitEnumerator<Opaque, Opaque> {
        private final Opaque checkpoint;

        IdleEnumerator(Opaque checkpoint) {
            this.checkpoint = checkpoint;
        }

        @Override
        public void start() {}

        @Override
        public void handleSplitRequest(int subtaskId, String requesterHostname) {}

        @Override
        public void addSplitsBack(List<Opaque> splits, int subtaskId) {}

        @Override
        public void addReader(int subtaskId) {}

        @Override
        public Opaque snapshotState(long checkpointId) {
            return checkpoint;
        }

        @Override
        public void close() {}
    }

    /** Holds its restored splits, emits nothing and is never done. */
    static final class IdleReader<T> implements SourceReader<T, Opaque> {
        private final List<Opaque> splits = new ArrayList<>();
        private final CompletableFuture<Void> never = new CompletableFuture<>();

        @Override
        public void start() {}

        @Override
        public InputStatus pollNext(ReaderOutput<T> output) {
            return InputStatus.NOTHING_AVAILABLE;
        }

        @Override
        public List<Opaque> snapshotState(long checkpointId) {
            return new ArrayList<>(splits);
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            return never;
        }

        @Override
        public void addSplits(List<Opaque> newSplits) {
            splits.addAll(newSplits);
        }

        @Override
        public void notifyNoMoreSplits() {}

        @Override
        public void close() {
            never.complete(null);
        }
    }

    /** Stands for a legacy source (the Kinesis consumer): runs until cancelled, emits nothing. */
    static final class IdleSourceFunction<T> implements ParallelSourceFunction<T>, ResultTypeQueryable<T> {
        private static final long serialVersionUID = 1L;
        private final TypeInformation<T> type;
        private volatile boolean running = true;

        IdleSourceFunction(TypeInformation<T> type) {
            this.type = type;
        }

        @Override
        public TypeInformation<T> getProducedType() {
            return type;
        }

        @Override
        public void run(SourceContext<T> ctx) throws InterruptedException {
            while (running) {
                Thread.sleep(50);
            }
        }

        @Override
        public void cancel() {
            running = false;
        }
    }

    /** Stands for a serializer of the Kafka sink, which may reach the registry when it opens: no record comes. */
    static final class UnusedSerializer<T> implements MapFunction<T, KafkaOutput> {
        private static final long serialVersionUID = 1L;

        @Override
        public KafkaOutput map(T value) {
            throw new IllegalStateException("the upgrade gate's sources emit nothing");
        }
    }

    /** Writes nothing; has no state and no committer, so the real sink's state stays unread (see the gate). */
    static final class DiscardingSink<T> implements Sink<T> {
        private static final long serialVersionUID = 1L;

        @Override
        @SuppressWarnings("deprecation") // the abstract method of 1.20; 2.x keeps only the WriterInitContext one
        public SinkWriter<T> createWriter(InitContext context) {
            return new SinkWriter<T>() {
                @Override
                public void write(T element, Context context) {}

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
