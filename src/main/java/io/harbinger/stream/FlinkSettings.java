package io.harbinger.stream;

import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfig.CheckpointSettings;
import io.harbinger.stream.config.JobConfig.Compression;
import io.harbinger.stream.config.JobConfig.RocksDbSettings;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.contrib.streaming.state.RocksDBConfigurableOptions;
import org.apache.flink.contrib.streaming.state.RocksDBNativeMetricOptions;
import org.apache.flink.contrib.streaming.state.RocksDBOptions;
import org.apache.flink.core.execution.CheckpointingMode;

import org.rocksdb.CompressionType;

import java.util.List;

/**
 * What the job config sets in Flink, apart from the graph that {@link HarbingerPipeline} builds: on a cluster
 * the state backend, checkpointing and RocksDB options too; on Managed Service for Apache Flink, which owns
 * those, only the pipeline settings. Never the parallelism, which belongs to the platform.
 */
public final class FlinkSettings {
    private FlinkSettings() {}

    /**
     * Flink settings that come from the job config on a cluster: {@link #pipelineConfiguration} plus the state
     * backend, checkpointing and RocksDB.
     */
    public static Configuration flinkConfiguration(JobConfig config) {
        CheckpointSettings cp = config.checkpoints();
        Configuration flink = pipelineConfiguration(config);
        flink.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        flink.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, cp.incremental());
        flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, cp.directory());
        cp.savepointDirectory().ifPresent(dir -> flink.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, dir));
        // Exactly-once in both job.delivery modes, as on Managed Service for Apache Flink (where the mode cannot
        // be changed): AT_LEAST_ONCE checkpoints would let a window count an event replayed after a failover
        // twice, so at-least-once output would repeat windows with other values, not the same records.
        flink.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        flink.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, cp.interval());
        flink.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, cp.timeout());
        flink.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, cp.minPause());
        flink.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, cp.tolerableFailures());
        flink.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, cp.retainOnCancellation()
                ? ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION
                : ExternalizedCheckpointRetention.DELETE_ON_CANCELLATION);
        rocksDbOptions(config.rocksdb(), flink);
        return flink;
    }

    /**
     * What the job sets wherever it runs, also on Managed Service for Apache Flink, where the service owns
     * checkpointing and the state backend: name, type rules, object reuse and max parallelism. Never the
     * parallelism: that belongs to the platform (flink run -p, the cluster's parallelism.default, the
     * FlinkDeployment's spec.job.parallelism, Managed Service's Parallelism and its autoscaling).
     */
    public static Configuration pipelineConfiguration(JobConfig config) {
        Configuration flink = new Configuration();
        flink.set(PipelineOptions.NAME, config.job().name());
        // Every type must have a real serializer: a Kryo fallback is a bug, caught when the graph is built.
        flink.set(PipelineOptions.GENERIC_TYPES, false);
        // Chained operators hand records on without a defensive deep copy. Safe here: no operator keeps or
        // changes a record it has emitted or received, and the JDBC sink copies what it buffers itself.
        flink.set(PipelineOptions.OBJECT_REUSE, true);
        // Part of every savepoint's key-group layout: the same on every platform.
        flink.set(PipelineOptions.MAX_PARALLELISM, config.job().maxParallelism());
        return flink;
    }

    private static CompressionType compressionType(Compression compression) {
        switch (compression) {
            case NONE: return CompressionType.NO_COMPRESSION;
            case SNAPPY: return CompressionType.SNAPPY_COMPRESSION;
            case LZ4: return CompressionType.LZ4_COMPRESSION;
            default: throw new IllegalArgumentException("compression not covered: " + compression);
        }
    }

    /** state.rocksdb.* onto Flink's state.backend.rocksdb.* options; what is not set keeps Flink's default. */
    static void rocksDbOptions(RocksDbSettings r, Configuration flink) {
        r.predefinedOptions().ifPresent(p -> flink.set(RocksDBOptions.PREDEFINED_OPTIONS, p.name()));
        r.bloomFilter().ifPresent(b -> flink.set(RocksDBConfigurableOptions.USE_BLOOM_FILTER, b));
        r.bloomFilterBitsPerKey().ifPresent(b -> flink.set(RocksDBConfigurableOptions.BLOOM_FILTER_BITS_PER_KEY, b));
        r.writeBufferSize().ifPresent(s -> flink.set(RocksDBConfigurableOptions.WRITE_BUFFER_SIZE, s));
        r.writeBufferCount().ifPresent(n -> flink.set(RocksDBConfigurableOptions.MAX_WRITE_BUFFER_NUMBER, n));
        r.writeBufferRatio().ifPresent(x -> flink.set(RocksDBOptions.WRITE_BUFFER_RATIO, x));
        r.blockCacheSize().ifPresent(s -> flink.set(RocksDBConfigurableOptions.BLOCK_CACHE_SIZE, s));
        r.compactionStyle().ifPresent(c -> flink.set(RocksDBConfigurableOptions.COMPACTION_STYLE,
                org.rocksdb.CompactionStyle.valueOf(c.name())));
        r.compression().ifPresent(c -> flink.set(RocksDBConfigurableOptions.COMPRESSION_PER_LEVEL,
                List.of(compressionType(c))));
        r.backgroundThreads().ifPresent(n -> flink.set(RocksDBConfigurableOptions.MAX_BACKGROUND_THREADS, n));
        r.memoryPerSlot().ifPresent(s -> flink.set(RocksDBOptions.FIX_PER_SLOT_MEMORY_SIZE, s));
        if (r.nativeMetrics()) {
            // What tells whether state work is bound by flushes, compaction or reads that miss the memtable.
            for (var option : List.of(RocksDBNativeMetricOptions.ESTIMATE_NUM_KEYS,
                    RocksDBNativeMetricOptions.MONITOR_NUM_FILES_AT_LEVEL,
                    RocksDBNativeMetricOptions.MONITOR_TOTAL_SST_FILES_SIZE,
                    RocksDBNativeMetricOptions.MONITOR_CUR_SIZE_ALL_MEM_TABLE,
                    RocksDBNativeMetricOptions.ESTIMATE_PENDING_COMPACTION_BYTES,
                    RocksDBNativeMetricOptions.MONITOR_NUM_RUNNING_COMPACTIONS,
                    RocksDBNativeMetricOptions.MONITOR_BLOCK_CACHE_HIT,
                    RocksDBNativeMetricOptions.MONITOR_BLOCK_CACHE_MISS,
                    RocksDBNativeMetricOptions.MONITOR_BLOOM_FILTER_USEFUL,
                    RocksDBNativeMetricOptions.MONITOR_BYTES_READ,
                    RocksDBNativeMetricOptions.MONITOR_BYTES_WRITTEN,
                    RocksDBNativeMetricOptions.MONITOR_COMPACTION_READ_BYTES,
                    RocksDBNativeMetricOptions.MONITOR_COMPACTION_WRITE_BYTES,
                    RocksDBNativeMetricOptions.MONITOR_STALL_MICROS)) {
                flink.set(option, true);
            }
        }
    }
}
