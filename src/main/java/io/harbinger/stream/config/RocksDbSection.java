package io.harbinger.stream.config;

import io.harbinger.stream.config.JobConfig.CompactionStyle;
import io.harbinger.stream.config.JobConfig.Compression;
import io.harbinger.stream.config.JobConfig.PredefinedOptions;
import io.harbinger.stream.config.JobConfig.RocksDbSettings;

import org.apache.flink.configuration.MemorySize;

/** Binds section {@code state.rocksdb}: RocksDB options, each absent unless given (Flink's default then). */
final class RocksDbSection {
    /** Below this a memtable holds a few thousand entries and every flush is an L0 file of its own. */
    private static final MemorySize MIN_WRITE_BUFFER = MemorySize.parse("1mb");

    private RocksDbSection() {}

    static RocksDbSettings bind(ConfigNode rocksdb) {
        return new RocksDbSettings(
                rocksdb.optionalEnum("predefined-options", PredefinedOptions.class),
                rocksdb.optionalBool("bloom-filter"),
                rocksdb.optionalDoubleIn("bloom-filter-bits-per-key", 1, 64),
                rocksdb.optionalMemorySizeAtLeast("write-buffer-size", MIN_WRITE_BUFFER),
                // RocksDB needs a second memtable to take writes while the first one flushes.
                rocksdb.optionalIntIn("write-buffer-count", 2, 64),
                rocksdb.optionalDoubleIn("write-buffer-ratio", 0.05, 0.95),
                rocksdb.optionalMemorySize("block-cache-size"),
                rocksdb.optionalEnum("compaction-style", CompactionStyle.class),
                rocksdb.optionalEnum("compression", Compression.class),
                rocksdb.optionalIntIn("background-threads", 1, 64),
                rocksdb.optionalMemorySizeAtLeast("memory-per-slot", MIN_WRITE_BUFFER),
                rocksdb.bool("native-metrics", false));
    }
}
