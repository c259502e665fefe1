package io.harbinger.stream.config;

import io.harbinger.events.EventType;

import org.apache.flink.configuration.MemorySize;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The whole typed job configuration, as read from a file under jobs-config/ by {@link JobConfigLoader}.
 * docs/configuration.md describes every key. Operators receive only the part they need.
 */
public record JobConfig(
        String source,
        JobSettings job,
        SourceSettings input,
        RegistrySettings registry,
        ValidationSettings validation,
        DedupSettings dedup,
        EventTimeSettings eventTime,
        WindowSettings window,
        AnomalySettings anomaly,
        KafkaSinkSettings kafkaSink,
        JdbcSinkSettings jdbcSink,
        CheckpointSettings checkpoints,
        RocksDbSettings rocksdb) implements Serializable {

    public record JobSettings(String name, Optional<Integer> parallelism, int maxParallelism) implements Serializable {}

    public enum SourceType { KAFKA, KINESIS }

    public enum StartingOffsets { EARLIEST, LATEST, COMMITTED_OR_EARLIEST, COMMITTED_OR_LATEST }

    /**
     * The input: exactly one of {@code kafka} and {@code kinesis} is set, the one {@code type} names; the other
     * is null (its section must be absent from the config).
     */
    public record SourceSettings(SourceType type, KafkaSourceSettings kafka, KinesisSourceSettings kinesis)
            implements Serializable {
        public SourceSettings(SourceType type, KafkaSourceSettings kafka) {
            this(type, kafka, null);
        }
    }

    public enum KinesisStartingPosition { LATEST, TRIM_HORIZON, AT_TIMESTAMP }

    public enum KinesisRecordPublisher { POLLING, EFO }

    public enum EfoRegistration { LAZY, EAGER }

    /** Kinesis Data Streams through FlinkKinesisConsumer; credentials always come from the AWS provider chain. */
    public record KinesisSourceSettings(
            List<String> streams,
            String region,
            Optional<String> endpoint,
            KinesisStartingPosition startingPosition,
            Optional<Instant> startingTimestamp,
            KinesisRecordPublisher recordPublisher,
            Duration pollingInterval,
            int pollingMaxRecords,
            Optional<String> efoConsumerName,
            EfoRegistration efoRegistration,
            Duration shardDiscoveryInterval,
            Map<String, String> properties) implements Serializable {}

    public record KafkaSourceSettings(
            String bootstrapServers,
            List<String> topics,
            Optional<String> topicPattern,
            String groupId,
            StartingOffsets startingOffsets,
            boolean bounded,
            Duration partitionDiscoveryInterval,
            Map<String, String> properties) implements Serializable {
        @Override
        public String toString() {
            return "KafkaSourceSettings[bootstrapServers=" + bootstrapServers + ", topics=" + topics
                    + ", topicPattern=" + topicPattern + ", groupId=" + groupId + ", startingOffsets="
                    + startingOffsets + ", bounded=" + bounded + ", partitionDiscoveryInterval="
                    + partitionDiscoveryInterval + ", properties=" + SensitiveProperties.masked(properties) + "]";
        }
    }

    public record RegistrySettings(
            String url,
            Optional<String> username,
            Optional<Secret> password,
            int cacheSize,
            Duration requestTimeout,
            int maxRetries,
            Duration retryBackoff,
            Duration unknownIdCache,
            /** TLS: a PKCS12 or JKS trust store for the registry's certificate; the JVM's trust store when empty. */
            Optional<String> truststorePath,
            Optional<Secret> truststorePassword,
            /** Mutual TLS: the client's key store (PKCS12 or JKS), whose password is also the key password. */
            Optional<String> keystorePath,
            Optional<Secret> keystorePassword) implements Serializable {

        /** Without TLS stores: the JVM's trust store, no client certificate. */
        public RegistrySettings(String url, Optional<String> username, Optional<Secret> password, int cacheSize,
                                Duration requestTimeout, int maxRetries, Duration retryBackoff,
                                Duration unknownIdCache) {
            this(url, username, password, cacheSize, requestTimeout, maxRetries, retryBackoff, unknownIdCache,
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        }
    }

    public record ValidationSettings(Instant earliestEventTime, Duration maxFutureSkew, int maxValueBytes,
                                     /** Valid events of these types are dropped after validation (not dead-lettered). */
                                     Set<EventType> ignoredEventTypes) implements Serializable {
        public ValidationSettings {
            ignoredEventTypes = ignoredEventTypes.isEmpty() ? Set.of()
                    : Collections.unmodifiableSet(EnumSet.copyOf(ignoredEventTypes));
        }

        /** Without ignored event types: every valid event goes on. */
        public ValidationSettings(Instant earliestEventTime, Duration maxFutureSkew, int maxValueBytes) {
            this(earliestEventTime, maxFutureSkew, maxValueBytes, Set.of());
        }
    }

    public record DedupSettings(Duration ttl) implements Serializable {}

    public record EventTimeSettings(Duration maxOutOfOrderness, Duration idleness) implements Serializable {}

    /**
     * @param preAggregationMaxKeys how many (key, window) accumulators the pre-aggregation in front of the window
     *                              holds per subtask before it sends them all; 0 sends every event on its own
     */
    public record WindowSettings(Duration size, Duration allowedLateness, int preAggregationMaxKeys)
            implements Serializable {}

    public record AnomalySettings(
            double ewmaAlpha,
            int warmUpWindows,
            double zThreshold,
            double minStddevCount,
            double minStddevSeverity,
            Duration baselineTtl) implements Serializable {}

    public record KafkaSinkSettings(
            String bootstrapServers,
            String aggregatesTopic,
            String anomaliesTopic,
            String deadLetterTopic,
            String lateEventsTopic,
            String transactionalIdPrefix,
            Duration transactionTimeout,
            Duration brokerMaxTransactionTimeout,
            Map<String, String> properties) implements Serializable {
        @Override
        public String toString() {
            return "KafkaSinkSettings[bootstrapServers=" + bootstrapServers + ", aggregatesTopic=" + aggregatesTopic
                    + ", anomaliesTopic=" + anomaliesTopic + ", deadLetterTopic=" + deadLetterTopic
                    + ", lateEventsTopic=" + lateEventsTopic + ", transactionalIdPrefix=" + transactionalIdPrefix
                    + ", transactionTimeout=" + transactionTimeout + ", brokerMaxTransactionTimeout="
                    + brokerMaxTransactionTimeout + ", properties=" + SensitiveProperties.masked(properties) + "]";
        }
    }

    /** {@code password} is null when not given: these settings travel with the sink, and Optional is not Serializable. */
    public record JdbcSinkSettings(
            String url,
            String username,
            Secret password,
            int batchSize,
            Duration batchInterval,
            int maxRetries,
            Duration retryBackoff,
            Duration maxRetryBackoff) implements Serializable {}

    public record CheckpointSettings(
            Duration interval,
            Duration timeout,
            Duration minPause,
            int tolerableFailures,
            String directory,
            Optional<String> savepointDirectory,
            boolean incremental,
            boolean retainOnCancellation) implements Serializable {}

    /** RocksDB's compaction styles, as Flink names them. */
    public enum CompactionStyle { LEVEL, UNIVERSAL, FIFO }

    /** Flink's predefined RocksDB option sets. */
    public enum PredefinedOptions { DEFAULT, SPINNING_DISK_OPTIMIZED, SPINNING_DISK_OPTIMIZED_HIGH_MEM, FLASH_SSD_OPTIMIZED }

    /** Block compression of the SST files, all levels alike. */
    public enum Compression { NONE, SNAPPY, LZ4 }

    /**
     * RocksDB tuning of the keyed state (section {@code state.rocksdb}); each key maps onto one
     * {@code state.backend.rocksdb.*} Flink option, and an absent key leaves Flink's default (or the cluster's
     * setting) alone.
     */
    public record RocksDbSettings(
            Optional<PredefinedOptions> predefinedOptions,
            Optional<Boolean> bloomFilter,
            Optional<Double> bloomFilterBitsPerKey,
            Optional<MemorySize> writeBufferSize,
            Optional<Integer> writeBufferCount,
            Optional<Double> writeBufferRatio,
            Optional<MemorySize> blockCacheSize,
            Optional<CompactionStyle> compactionStyle,
            Optional<Compression> compression,
            Optional<Integer> backgroundThreads,
            Optional<MemorySize> memoryPerSlot,
            boolean nativeMetrics) implements Serializable {}
}
