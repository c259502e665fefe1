package io.harbinger.stream.config;

import org.apache.flink.api.common.state.StateTtlConfig;

import java.time.Duration;

/**
 * The one TTL policy of the job's keyed state: an entry lives for the TTL after its last write, expired entries
 * are never returned, and RocksDB drops them during compaction so that state stays bounded without a scan.
 */
public final class KeyedStateTtl {
    /** Entries RocksDB's compaction filter checks between refreshes of the current time. */
    private static final long COMPACTION_QUERY_INTERVAL = 1000;

    private KeyedStateTtl() {}

    public static StateTtlConfig afterLastWrite(Duration ttl) {
        return StateTtlConfig.newBuilder(ttl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .cleanupInRocksdbCompactFilter(COMPACTION_QUERY_INTERVAL)
                .build();
    }
}
