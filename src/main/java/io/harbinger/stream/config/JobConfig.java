package io.harbinger.stream.config;

import io.harbinger.events.EventType;

import org.apache.flink.configuration.MemorySize;
import org.apache.flink.metrics.MetricGroup;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The whole typed job configuration, as read from a file under jobs-config/ by {@link JobConfigLoader}.
 * docs/configuration.md describes every key. Operators receive only the part they need.
 */
public final class JobConfig implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String source;
    private final JobSettings job;
    private final SourceSettings input;
    private final RegistrySettings registry;
    private final ValidationSettings validation;
    private final DedupSettings dedup;
    private final EventTimeSettings eventTime;
    private final WindowSettings window;
    private final AnomalySettings anomaly;
    private final KafkaSinkSettings kafkaSink;
    private final JdbcSinkSettings jdbcSink;
    private final CheckpointSettings checkpoints;
    private final RocksDbSettings rocksdb;
    private final MetricsSettings metrics;

    public JobConfig(String source,
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
                     RocksDbSettings rocksdb,
                     MetricsSettings metrics) {
        this.source = source;
        this.job = job;
        this.input = input;
        this.registry = registry;
        this.validation = validation;
        this.dedup = dedup;
        this.eventTime = eventTime;
        this.window = window;
        this.anomaly = anomaly;
        this.kafkaSink = kafkaSink;
        this.jdbcSink = jdbcSink;
        this.checkpoints = checkpoints;
        this.rocksdb = rocksdb;
        this.metrics = metrics;
    }

    /**
     * What readers of the Kafka outputs are promised ({@code job.delivery}). Checkpoints are exactly-once in
     * both: only the Kafka sink's guarantee changes (see docs/architecture.md, "Delivery modes").
     */
    public enum Delivery {
        /** One Kafka transaction per checkpoint: output is visible to read_committed readers when it commits. */
        EXACTLY_ONCE,
        /** No transactions: output is visible as soon as written, and repeated after a failover. */
        AT_LEAST_ONCE
    }

    /**
     * The job's own settings. Parallelism is not among them: the platform owns it (flink run -p, the cluster's
     * parallelism.default, the FlinkDeployment's spec.job.parallelism, Managed Service's Parallelism).
     */
    public static final class JobSettings implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String name;
        private final int maxParallelism;
        private final Delivery delivery;

        public JobSettings(String name, int maxParallelism, Delivery delivery) {
            this.name = name;
            this.maxParallelism = maxParallelism;
            this.delivery = delivery;
        }

        public String name() {
            return name;
        }

        public int maxParallelism() {
            return maxParallelism;
        }

        public Delivery delivery() {
            return delivery;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) return true;
            if (!(o instanceof JobSettings)) return false;
            JobSettings that = (JobSettings) o;
            return Objects.equals(name, that.name) && maxParallelism == that.maxParallelism
                    && delivery == that.delivery;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, maxParallelism, delivery);
        }

        @Override
        public String toString() {
            return "JobSettings[name=" + name + ", maxParallelism=" + maxParallelism + ", delivery=" + delivery + "]";
        }
    }

    public enum SourceType { KAFKA, KINESIS }

    public enum StartingOffsets { EARLIEST, LATEST, COMMITTED_OR_EARLIEST, COMMITTED_OR_LATEST }

    /**
     * The input: exactly one of {@code kafka} and {@code kinesis} is set, the one {@code type} names; the other
     * is null (its section must be absent from the config).
     */
    public static final class SourceSettings implements Serializable {
        private static final long serialVersionUID = 1L;
        private final SourceType type;
        private final KafkaSourceSettings kafka;
        private final KinesisSourceSettings kinesis;

        public SourceSettings(SourceType type, KafkaSourceSettings kafka, KinesisSourceSettings kinesis) {
            this.type = type;
            this.kafka = kafka;
            this.kinesis = kinesis;
        }

        public SourceSettings(SourceType type, KafkaSourceSettings kafka) {
            this(type, kafka, null);
        }

        public SourceType type() {
            return type;
        }

        public KafkaSourceSettings kafka() {
            return kafka;
        }

        public KinesisSourceSettings kinesis() {
            return kinesis;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) return true;
            if (!(o instanceof SourceSettings)) return false;
            SourceSettings that = (SourceSettings) o;
            return Objects.equals(type, that.type) && Objects.equals(kafka, that.kafka)
                    && Objects.equals(kinesis, that.kinesis);
        }

        @Override
        public int hashCode() {
            return Objects.hash(type, kafka, kinesis);
        }

        @Override
        public String toString() {
            return "SourceSettings[type=" + type + ", kafka=" + kafka + ", kinesis=" + kinesis + "]";
        }
    }

    public enum KinesisStartingPosition { LATEST, TRIM_HORIZON, AT_TIMESTAMP }

    public enum KinesisRecordPublisher { POLLING, EFO }

    public enum EfoRegistration { LAZY, EAGER }

    /** Kinesis Data Streams through FlinkKinesisConsumer; credentials always come from the AWS provider chain. */
    public static final class KinesisSourceSettings implements Serializable {
        private static final long serialVersionUID = 1L;
        private final List<String> streams;
        private final String region;
        private final Optional<String> endpoint;
        private final KinesisStartingPosition startingPosition;
        private final Optional<Instant> startingTimestamp;
        private final KinesisRecordPublisher recordPublisher;
        private final Duration pollingInterval;
        private final int pollingMaxRecords;
        private final Optional<String> efoConsumerName;
        private final EfoRegistration efoRegistration;
        private final Duration shardDiscoveryInterval;
        private final Map<String, String> properties;

        public KinesisSourceSettings(List<String> streams,
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
                                     Map<String, String> properties) {
            this.streams = streams;
            this.region = region;
            this.endpoint = endpoint;
            this.startingPosition = startingPosition;
            this.startingTimestamp = startingTimestamp;
            this.recordPublisher = recordPublisher;
            this.pollingInterval = pollingInterval;
            this.pollingMaxRecords = pollingMaxRecords;
            this.efoConsumerName = efoConsumerName;
            this.efoRegistration = efoRegistration;
            this.shardDiscoveryInterval = shardDiscoveryInterval;
            this.properties = properties;
        }

        public List<String> streams() {
            return streams;
        }

        public String region() {
            return region;
        }

        public Optional<String> endpoint() {
            return endpoint;
        }

        public KinesisStartingPosition startingPosition() {
            return startingPosition;
        }

        public Optional<Instant> startingTimestamp() {
            return startingTimestamp;
        }

        public KinesisRecordPublisher recordPublisher() {
            return recordPublisher;
        }

        public Duration pollingInterval() {
            return pollingInterval;
        }

        public int pollingMaxRecords() {
            return pollingMaxRecords;
        }

        public Optional<String> efoConsumerName() {
            return efoConsumerName;
        }

        public EfoRegistration efoRegistration() {
            return efoRegistration;
        }

        public Duration shardDiscoveryInterval() {
            return shardDiscoveryInterval;
        }

        public Map<String, String> properties() {
            return properties;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) return true;
            if (!(o instanceof KinesisSourceSettings)) return false;
            KinesisSourceSettings that = (KinesisSourceSettings) o;
            return Objects.equals(streams, that.streams) && Objects.equals(region, that.region)
                    && Objects.equals(endpoint, that.endpoint)
                    && Objects.equals(startingPosition, that.startingPosition)
                    && Objects.equals(startingTimestamp, that.startingTimestamp)
                    && Objects.equals(recordPublisher, that.recordPublisher)
                    && Objects.equals(pollingInterval, that.pollingInterval)
                    && pollingMaxRecords == that.pollingMaxRecords
                    && Objects.equals(efoConsumerName, that.efoConsumerName)
                    && Objects.equals(efoRegistration, that.efoRegistration)
                    && Objects.equals(shardDiscoveryInterval, that.shardDiscoveryInterval)
                    && Objects.equals(properties, that.properties);
        }

        @Override
        public int hashCode() {
            return Objects.hash(streams, region, endpoint, startingPosition, startingTimestamp, recordPublisher,
                    pollingInterval, pollingMaxRecords, efoConsumerName, efoRegistration, shardDiscoveryInterval,
                    properties);
        }

        @Override
        public String toString() {
            return "KinesisSourceSettings[streams=" + streams + ", region=" + region + ", endpoint=" + endpoint
                    + ", startingPosition=" + startingPosition + ", startingTimestamp=" + startingTimestamp + ", recordPublisher=" + recordPublisher
                    + ", pollingInterval=" + pollingInterval + ", pollingMaxRecords=" + pollingMaxRecords + ", efoConsumerName=" + efoConsumerName
                    + ", efoRegistration=" + efoRegistration + ", shardDiscoveryInterval=" + shardDiscoveryInterval + ", properties=" + properties + "]";
        }
    }

    public static final class KafkaSourceSettings implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String bootstrapServers;
        private final List<String> topics;
        private final Optional<String> topicPattern;
        private final String groupId;
        private final StartingOffsets startingOffsets;
        private final boolean bounded;
        private final Duration partitionDiscoveryInterval;
        private final Map<String, String> properties;
        private final KafkaAuthentication authentication;

        public KafkaSourceSettings(String bootstrapServers,
                                   List<String> topics,
                                   Optional<String> topicPattern,
                                   String groupId,
                                   StartingOffsets startingOffsets,
                                   boolean bounded,
                                   Duration partitionDiscoveryInterval,
                                   Map<String, String> properties,
                                   KafkaAuthentication authentication) {
            this.bootstrapServers = bootstrapServers;
            this.topics = topics;
            this.topicPattern = topicPattern;
            this.groupId = groupId;
            this.startingOffsets = startingOffsets;
            this.bounded = bounded;
            this.partitionDiscoveryInterval = partitionDiscoveryInterval;
            this.properties = properties;
            this.authentication = authentication;
        }

        /** What the source's consumer and admin client get: {@code properties} and what authentication sets. */
        public Map<String, String> clientProperties() {
            return authentication.clientProperties(properties);
        }

        @Override
        public String toString() {
            return "KafkaSourceSettings[bootstrapServers=" + bootstrapServers + ", topics=" + topics
                    + ", topicPattern=" + topicPattern + ", groupId=" + groupId + ", startingOffsets="
                    + startingOffsets + ", bounded=" + bounded + ", partitionDiscoveryInterval="
                    + partitionDiscoveryInterval + ", properties=" + SensitiveProperties.masked(properties)
                    + ", authentication=" + authentication + "]";
        }

        public String bootstrapServers() {
            return bootstrapServers;
        }

        public List<String> topics() {
            return topics;
        }

        public Optional<String> topicPattern() {
            return topicPattern;
        }

        public String groupId() {
            return groupId;
        }

        public StartingOffsets startingOffsets() {
            return startingOffsets;
        }

        public boolean bounded() {
            return bounded;
        }

        public Duration partitionDiscoveryInterval() {
            return partitionDiscoveryInterval;
        }

        public Map<String, String> properties() {
            return properties;
        }

        public KafkaAuthentication authentication() {
            return authentication;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) return true;
            if (!(o instanceof KafkaSourceSettings)) return false;
            KafkaSourceSettings that = (KafkaSourceSettings) o;
            return Objects.equals(bootstrapServers, that.bootstrapServers) && Objects.equals(topics, that.topics)
                    && Objects.equals(topicPattern, that.topicPattern) && Objects.equals(groupId, that.groupId)
                    && Objects.equals(startingOffsets, that.startingOffsets) && bounded == that.bounded
                    && Objects.equals(partitionDiscoveryInterval, that.partitionDiscoveryInterval)
                    && Objects.equals(properties, that.properties)
                    && Objects.equals(authentication, that.authentication);
        }

        @Override
        public int hashCode() {
            return Objects.hash(bootstrapServers, topics, topicPattern, groupId, startingOffsets, bounded,
                    partitionDiscoveryInterval, properties, authentication);
        }
    }

    public static final class RegistrySettings implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String url;
        private final Optional<String> username;
        private final Optional<Secret> password;
        private final int cacheSize;
        private final Duration requestTimeout;
        private final int maxRetries;
        private final Duration retryBackoff;
        private final Duration unknownIdCache;
        /** TLS: a PKCS12 or JKS trust store for the registry's certificate; the JVM's trust store when empty. */
        private final Optional<String> truststorePath;
        private final Optional<Secret> truststorePassword;
        /** Mutual TLS: the client's key store (PKCS12 or JKS), whose password is also the key password. */
        private final Optional<String> keystorePath;
        private final Optional<Secret> keystorePassword;

        public RegistrySettings(String url,
                                Optional<String> username,
                                Optional<Secret> password,
                                int cacheSize,
                                Duration requestTimeout,
                                int maxRetries,
                                Duration retryBackoff,
                                Duration unknownIdCache,
                                Optional<String> truststorePath,
                                Optional<Secret> truststorePassword,
                                Optional<String> keystorePath,
                                Optional<Secret> keystorePassword) {
            this.url = url;
            this.username = username;
            this.password = password;
            this.cacheSize = cacheSize;
            this.requestTimeout = requestTimeout;
            this.maxRetries = maxRetries;
            this.retryBackoff = retryBackoff;
            this.unknownIdCache = unknownIdCache;
            this.truststorePath = truststorePath;
            this.truststorePassword = truststorePassword;
            this.keystorePath = keystorePath;
            this.keystorePassword = keystorePassword;
        }

        /** Without TLS stores: the JVM's trust store, no client certificate. */
        public RegistrySettings(String url, Optional<String> username, Optional<Secret> password, int cacheSize,
                                Duration requestTimeout, int maxRetries, Duration retryBackoff,
                                Duration unknownIdCache) {
            this(url, username, password, cacheSize, requestTimeout, maxRetries, retryBackoff, unknownIdCache,
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        }

        public String url() {
            return url;
        }

        public Optional<String> username() {
            return username;
        }

        public Optional<Secret> password() {
            return password;
        }

        public int cacheSize() {
            return cacheSize;
        }

        public Duration requestTimeout() {
            return requestTimeout;
        }

        public int maxRetries() {
            return maxRetries;
        }

        public Duration retryBackoff() {
            return retryBackoff;
        }

        public Duration unknownIdCache() {
            return unknownIdCache;
        }

        public Optional<String> truststorePath() {
            return truststorePath;
        }

        public Optional<Secret> truststorePassword() {
            return truststorePassword;
        }

        public Optional<String> keystorePath() {
            return keystorePath;
        }

        public Optional<Secret> keystorePassword() {
            return keystorePassword;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) return true;
            if (!(o instanceof RegistrySettings)) return false;
            RegistrySettings that = (RegistrySettings) o;
            return Objects.equals(url, that.url) && Objects.equals(username, that.username)
                    && Objects.equals(password, that.password) && cacheSize == that.cacheSize
                    && Objects.equals(requestTimeout, that.requestTimeout) && maxRetries == that.maxRetries
                    && Objects.equals(retryBackoff, that.retryBackoff)
                    && Objects.equals(unknownIdCache, that.unknownIdCache)
                    && Objects.equals(truststorePath, that.truststorePath)
                    && Objects.equals(truststorePassword, that.truststorePassword)
                    && Objects.equals(keystorePath, that.keystorePath)
                    && Objects.equals(keystorePassword, that.keystorePassword);
        }

        @Override
        public int hashCode() {
            return Objects.hash(url, username, password, cacheSize, requestTimeout, maxRetries, retryBackoff, unknownIdCache,
                    truststorePath, truststorePassword, keystorePath, keystorePassword);
        }

        @Override
        public String toString() {
            return "RegistrySettings[url=" + url + ", username=" + username + ", password=" + password
                    + ", cacheSize=" + cacheSize + ", requestTimeout=" + requestTimeout + ", maxRetries=" + maxRetries
                    + ", retryBackoff=" + retryBackoff + ", unknownIdCache=" + unknownIdCache + ", truststorePath=" + truststorePath
                    + ", truststorePassword=" + truststorePassword + ", keystorePath=" + keystorePath + ", keystorePassword=" + keystorePassword + "]";
        }
    }

    public static final class ValidationSettings implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Instant earliestEventTime;
        private final Duration maxFutureSkew;
        private final int maxValueBytes;
        /** Valid events of these types are dropped after validation (not dead-lettered). */
        private final Set<EventType> ignoredEventTypes;

        public ValidationSettings(Instant earliestEventTime,
                                  Duration maxFutureSkew,
                                  int maxValueBytes,
                                  Set<EventType> ignoredEventTypes) {
            this.ignoredEventTypes = ignoredEventTypes.isEmpty() ? Set.of()
                    : Collections.unmodifiableSet(EnumSet.copyOf(ignoredEventTypes));
            this.earliestEventTime = earliestEventTime;
            this.maxFutureSkew = maxFutureSkew;
            this.maxValueBytes = maxValueBytes;
        }

        /** Without ignored event types: every valid event goes on. */
        public ValidationSettings(Instant earliestEventTime, Duration maxFutureSkew, int maxValueBytes) {
            this(earliestEventTime, maxFutureSkew, maxValueBytes, Set.of());
        }

        public Instant earliestEventTime() {
            return earliestEventTime;
        }

        public Duration maxFutureSkew() {
            return maxFutureSkew;
        }

        public int maxValueBytes() {
            return maxValueBytes;
        }

        public Set<EventType> ignoredEventTypes() {
            return ignoredEventTypes;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) return true;
            if (!(o instanceof ValidationSettings)) return false;
            ValidationSettings that = (ValidationSettings) o;
            return Objects.equals(earliestEventTime, that.earliestEventTime)
                    && Objects.equals(maxFutureSkew, that.maxFutureSkew) && maxValueBytes == that.maxValueBytes
                    && Objects.equals(ignoredEventTypes, that.ignoredEventTypes);
        }

        @Override
        public int hashCode() {
            return Objects.hash(earliestEventTime, maxFutureSkew, maxValueBytes, ignoredEventTypes);
        }

        @Override
        public String toString() {
            return "ValidationSettings[earliestEventTime=" + earliestEventTime + ", maxFutureSkew=" + maxFutureSkew + ", maxValueBytes=" + maxValueBytes
                    + ", ignoredEventTypes=" + ignoredEventTypes + "]";
        }
    }

    public static final class DedupSettings implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Duration ttl;

        public DedupSettings(Duration ttl) {
            this.ttl = ttl;
        }

        public Duration ttl() {
            return ttl;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) return true;
            if (!(o instanceof DedupSettings)) return false;
            DedupSettings that = (DedupSettings) o;
            return Objects.equals(ttl, that.ttl);
        }

        @Override
        public int hashCode() {
            return Objects.hash(ttl);
        }

        @Override
        public String toString() {
            return "DedupSettings[ttl=" + ttl + "]";
        }
    }

    public static final class EventTimeSettings implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Duration maxOutOfOrderness;
        private final Duration idleness;

        public EventTimeSettings(Duration maxOutOfOrderness, Duration idleness) {
            this.maxOutOfOrderness = maxOutOfOrderness;
            this.idleness = idleness;
        }

        public Duration maxOutOfOrderness() {
            return maxOutOfOrderness;
        }

        public Duration idleness() {
            return idleness;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) return true;
            if (!(o instanceof EventTimeSettings)) return false;
            EventTimeSettings that = (EventTimeSettings) o;
            return Objects.equals(maxOutOfOrderness, that.maxOutOfOrderness)
                    && Objects.equals(idleness, that.idleness);
        }

        @Override
        public int hashCode() {
            return Objects.hash(maxOutOfOrderness, idleness);
        }

        @Override
        public String toString() {
            return "EventTimeSettings[maxOutOfOrderness=" + maxOutOfOrderness + ", idleness=" + idleness + "]";
        }
    }

    /**
     * @param preAggregationMaxKeys how many (key, window) accumulators the pre-aggregation in front of the window
     *                              holds per subtask before it sends them all; 0 sends every event on its own
     */
    public static final class WindowSettings implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Duration size;
        private final Duration allowedLateness;
        private final int preAggregationMaxKeys;

        public WindowSettings(Duration size, Duration allowedLateness, int preAggregationMaxKeys) {
            this.size = size;
            this.allowedLateness = allowedLateness;
            this.preAggregationMaxKeys = preAggregationMaxKeys;
        }

        public Duration size() {
            return size;
        }

        public Duration allowedLateness() {
            return allowedLateness;
        }

        public int preAggregationMaxKeys() {
            return preAggregationMaxKeys;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) return true;
            if (!(o instanceof WindowSettings)) return false;
            WindowSettings that = (WindowSettings) o;
            return Objects.equals(size, that.size) && Objects.equals(allowedLateness, that.allowedLateness)
                    && preAggregationMaxKeys == that.preAggregationMaxKeys;
        }

        @Override
        public int hashCode() {
            return Objects.hash(size, allowedLateness, preAggregationMaxKeys);
        }

        @Override
        public String toString() {
            return "WindowSettings[size=" + size + ", allowedLateness=" + allowedLateness + ", preAggregationMaxKeys=" + preAggregationMaxKeys + "]";
        }
    }

    public static final class AnomalySettings implements Serializable {
        private static final long serialVersionUID = 1L;
        /** {@code anomaly.silence.forget-after} when not configured. */
        public static final Duration DEFAULT_SILENCE_FORGET_AFTER = Duration.ofDays(1);
        private final double ewmaAlpha;
        private final int warmUpWindows;
        private final double zThreshold;
        private final double minStddevCount;
        private final double minStddevSeverity;
        private final Duration baselineTtl;
        private final boolean scoreSilence;
        private final Duration silenceForgetAfter;

        /** Silence scored, keys forgotten after {@link #DEFAULT_SILENCE_FORGET_AFTER}. */
        public AnomalySettings(double ewmaAlpha,
                               int warmUpWindows,
                               double zThreshold,
                               double minStddevCount,
                               double minStddevSeverity,
                               Duration baselineTtl) {
            this(ewmaAlpha, warmUpWindows, zThreshold, minStddevCount, minStddevSeverity, baselineTtl, true,
                    DEFAULT_SILENCE_FORGET_AFTER);
        }

        public AnomalySettings(double ewmaAlpha,
                               int warmUpWindows,
                               double zThreshold,
                               double minStddevCount,
                               double minStddevSeverity,
                               Duration baselineTtl,
                               boolean scoreSilence,
                               Duration silenceForgetAfter) {
            this.ewmaAlpha = ewmaAlpha;
            this.warmUpWindows = warmUpWindows;
            this.zThreshold = zThreshold;
            this.minStddevCount = minStddevCount;
            this.minStddevSeverity = minStddevSeverity;
            this.baselineTtl = baselineTtl;
            this.scoreSilence = scoreSilence;
            this.silenceForgetAfter = silenceForgetAfter;
        }

        public double ewmaAlpha() {
            return ewmaAlpha;
        }

        public int warmUpWindows() {
            return warmUpWindows;
        }

        public double zThreshold() {
            return zThreshold;
        }

        public double minStddevCount() {
            return minStddevCount;
        }

        public double minStddevSeverity() {
            return minStddevSeverity;
        }

        public Duration baselineTtl() {
            return baselineTtl;
        }

        /** {@code anomaly.silence.enabled}: a warm key's window without events is scored as a count of 0. */
        public boolean scoreSilence() {
            return scoreSilence;
        }

        /** {@code anomaly.silence.forget-after}: event time without an event after which a warm key is dropped. */
        public Duration silenceForgetAfter() {
            return silenceForgetAfter;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) return true;
            if (!(o instanceof AnomalySettings)) return false;
            AnomalySettings that = (AnomalySettings) o;
            return Double.compare(ewmaAlpha, that.ewmaAlpha) == 0 && warmUpWindows == that.warmUpWindows
                    && Double.compare(zThreshold, that.zThreshold) == 0
                    && Double.compare(minStddevCount, that.minStddevCount) == 0
                    && Double.compare(minStddevSeverity, that.minStddevSeverity) == 0
                    && Objects.equals(baselineTtl, that.baselineTtl) && scoreSilence == that.scoreSilence
                    && Objects.equals(silenceForgetAfter, that.silenceForgetAfter);
        }

        @Override
        public int hashCode() {
            return Objects.hash(ewmaAlpha, warmUpWindows, zThreshold, minStddevCount, minStddevSeverity, baselineTtl,
                    scoreSilence, silenceForgetAfter);
        }

        @Override
        public String toString() {
            return "AnomalySettings[ewmaAlpha=" + ewmaAlpha + ", warmUpWindows=" + warmUpWindows + ", zThreshold=" + zThreshold
                    + ", minStddevCount=" + minStddevCount + ", minStddevSeverity=" + minStddevSeverity + ", baselineTtl=" + baselineTtl
                    + ", scoreSilence=" + scoreSilence + ", silenceForgetAfter=" + silenceForgetAfter + "]";
        }
    }

    public static final class KafkaSinkSettings implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String bootstrapServers;
        private final String aggregatesTopic;
        private final String anomaliesTopic;
        private final String deadLetterTopic;
        private final String lateEventsTopic;
        private final String transactionalIdPrefix;
        private final Duration transactionTimeout;
        private final Duration brokerMaxTransactionTimeout;
        private final Map<String, String> properties;
        private final KafkaAuthentication authentication;

        public KafkaSinkSettings(String bootstrapServers,
                                 String aggregatesTopic,
                                 String anomaliesTopic,
                                 String deadLetterTopic,
                                 String lateEventsTopic,
                                 String transactionalIdPrefix,
                                 Duration transactionTimeout,
                                 Duration brokerMaxTransactionTimeout,
                                 Map<String, String> properties,
                                 KafkaAuthentication authentication) {
            this.bootstrapServers = bootstrapServers;
            this.aggregatesTopic = aggregatesTopic;
            this.anomaliesTopic = anomaliesTopic;
            this.deadLetterTopic = deadLetterTopic;
            this.lateEventsTopic = lateEventsTopic;
            this.transactionalIdPrefix = transactionalIdPrefix;
            this.transactionTimeout = transactionTimeout;
            this.brokerMaxTransactionTimeout = brokerMaxTransactionTimeout;
            this.properties = properties;
            this.authentication = authentication;
        }

        /**
         * What every Kafka client of the sinks' cluster gets (the four producers and the dead-letter replay's
         * clients): {@code properties} and what authentication sets.
         */
        public Map<String, String> clientProperties() {
            return authentication.clientProperties(properties);
        }

        @Override
        public String toString() {
            return "KafkaSinkSettings[bootstrapServers=" + bootstrapServers + ", aggregatesTopic=" + aggregatesTopic
                    + ", anomaliesTopic=" + anomaliesTopic + ", deadLetterTopic=" + deadLetterTopic
                    + ", lateEventsTopic=" + lateEventsTopic + ", transactionalIdPrefix=" + transactionalIdPrefix
                    + ", transactionTimeout=" + transactionTimeout + ", brokerMaxTransactionTimeout="
                    + brokerMaxTransactionTimeout + ", properties=" + SensitiveProperties.masked(properties)
                    + ", authentication=" + authentication + "]";
        }

        public String bootstrapServers() {
            return bootstrapServers;
        }

        public String aggregatesTopic() {
            return aggregatesTopic;
        }

        public String anomaliesTopic() {
            return anomaliesTopic;
        }

        public String deadLetterTopic() {
            return deadLetterTopic;
        }

        public String lateEventsTopic() {
            return lateEventsTopic;
        }

        public String transactionalIdPrefix() {
            return transactionalIdPrefix;
        }

        public Duration transactionTimeout() {
            return transactionTimeout;
        }

        public Duration brokerMaxTransactionTimeout() {
            return brokerMaxTransactionTimeout;
        }

        public Map<String, String> properties() {
            return properties;
        }

        public KafkaAuthentication authentication() {
            return authentication;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) return true;
            if (!(o instanceof KafkaSinkSettings)) return false;
            KafkaSinkSettings that = (KafkaSinkSettings) o;
            return Objects.equals(bootstrapServers, that.bootstrapServers)
                    && Objects.equals(aggregatesTopic, that.aggregatesTopic)
                    && Objects.equals(anomaliesTopic, that.anomaliesTopic)
                    && Objects.equals(deadLetterTopic, that.deadLetterTopic)
                    && Objects.equals(lateEventsTopic, that.lateEventsTopic)
                    && Objects.equals(transactionalIdPrefix, that.transactionalIdPrefix)
                    && Objects.equals(transactionTimeout, that.transactionTimeout)
                    && Objects.equals(brokerMaxTransactionTimeout, that.brokerMaxTransactionTimeout)
                    && Objects.equals(properties, that.properties)
                    && Objects.equals(authentication, that.authentication);
        }

        @Override
        public int hashCode() {
            return Objects.hash(bootstrapServers, aggregatesTopic, anomaliesTopic, deadLetterTopic, lateEventsTopic,
                    transactionalIdPrefix, transactionTimeout, brokerMaxTransactionTimeout, properties,
                    authentication);
        }
    }

    /** {@code password} is null when not given: these settings travel with the sink, and Optional is not Serializable. */
    public static final class JdbcSinkSettings implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String url;
        private final String username;
        private final Secret password;
        private final int batchSize;
        private final Duration batchInterval;
        private final int maxRetries;
        private final Duration retryBackoff;
        private final Duration maxRetryBackoff;

        public JdbcSinkSettings(String url,
                                String username,
                                Secret password,
                                int batchSize,
                                Duration batchInterval,
                                int maxRetries,
                                Duration retryBackoff,
                                Duration maxRetryBackoff) {
            this.url = url;
            this.username = username;
            this.password = password;
            this.batchSize = batchSize;
            this.batchInterval = batchInterval;
            this.maxRetries = maxRetries;
            this.retryBackoff = retryBackoff;
            this.maxRetryBackoff = maxRetryBackoff;
        }

        public String url() {
            return url;
        }

        public String username() {
            return username;
        }

        public Secret password() {
            return password;
        }

        public int batchSize() {
            return batchSize;
        }

        public Duration batchInterval() {
            return batchInterval;
        }

        public int maxRetries() {
            return maxRetries;
        }

        public Duration retryBackoff() {
            return retryBackoff;
        }

        public Duration maxRetryBackoff() {
            return maxRetryBackoff;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) return true;
            if (!(o instanceof JdbcSinkSettings)) return false;
            JdbcSinkSettings that = (JdbcSinkSettings) o;
            return Objects.equals(url, that.url) && Objects.equals(username, that.username)
                    && Objects.equals(password, that.password) && batchSize == that.batchSize
                    && Objects.equals(batchInterval, that.batchInterval) && maxRetries == that.maxRetries
                    && Objects.equals(retryBackoff, that.retryBackoff)
                    && Objects.equals(maxRetryBackoff, that.maxRetryBackoff);
        }

        @Override
        public int hashCode() {
            return Objects.hash(url, username, password, batchSize, batchInterval, maxRetries, retryBackoff, maxRetryBackoff);
        }

        @Override
        public String toString() {
            return "JdbcSinkSettings[url=" + url + ", username=" + username + ", password=" + password
                    + ", batchSize=" + batchSize + ", batchInterval=" + batchInterval + ", maxRetries=" + maxRetries
                    + ", retryBackoff=" + retryBackoff + ", maxRetryBackoff=" + maxRetryBackoff + "]";
        }
    }

    public static final class CheckpointSettings implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Duration interval;
        private final Duration timeout;
        private final Duration minPause;
        private final int tolerableFailures;
        private final String directory;
        private final Optional<String> savepointDirectory;
        private final boolean incremental;
        private final boolean retainOnCancellation;

        public CheckpointSettings(Duration interval,
                                  Duration timeout,
                                  Duration minPause,
                                  int tolerableFailures,
                                  String directory,
                                  Optional<String> savepointDirectory,
                                  boolean incremental,
                                  boolean retainOnCancellation) {
            this.interval = interval;
            this.timeout = timeout;
            this.minPause = minPause;
            this.tolerableFailures = tolerableFailures;
            this.directory = directory;
            this.savepointDirectory = savepointDirectory;
            this.incremental = incremental;
            this.retainOnCancellation = retainOnCancellation;
        }

        public Duration interval() {
            return interval;
        }

        public Duration timeout() {
            return timeout;
        }

        public Duration minPause() {
            return minPause;
        }

        public int tolerableFailures() {
            return tolerableFailures;
        }

        public String directory() {
            return directory;
        }

        public Optional<String> savepointDirectory() {
            return savepointDirectory;
        }

        public boolean incremental() {
            return incremental;
        }

        public boolean retainOnCancellation() {
            return retainOnCancellation;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) return true;
            if (!(o instanceof CheckpointSettings)) return false;
            CheckpointSettings that = (CheckpointSettings) o;
            return Objects.equals(interval, that.interval) && Objects.equals(timeout, that.timeout)
                    && Objects.equals(minPause, that.minPause) && tolerableFailures == that.tolerableFailures
                    && Objects.equals(directory, that.directory)
                    && Objects.equals(savepointDirectory, that.savepointDirectory)
                    && incremental == that.incremental && retainOnCancellation == that.retainOnCancellation;
        }

        @Override
        public int hashCode() {
            return Objects.hash(interval, timeout, minPause, tolerableFailures, directory, savepointDirectory, incremental,
                    retainOnCancellation);
        }

        @Override
        public String toString() {
            return "CheckpointSettings[interval=" + interval + ", timeout=" + timeout + ", minPause=" + minPause
                    + ", tolerableFailures=" + tolerableFailures + ", directory=" + directory + ", savepointDirectory=" + savepointDirectory
                    + ", incremental=" + incremental + ", retainOnCancellation=" + retainOnCancellation + "]";
        }
    }

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
    public static final class RocksDbSettings implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Optional<PredefinedOptions> predefinedOptions;
        private final Optional<Boolean> bloomFilter;
        private final Optional<Double> bloomFilterBitsPerKey;
        private final Optional<MemorySize> writeBufferSize;
        private final Optional<Integer> writeBufferCount;
        private final Optional<Double> writeBufferRatio;
        private final Optional<MemorySize> blockCacheSize;
        private final Optional<CompactionStyle> compactionStyle;
        private final Optional<Compression> compression;
        private final Optional<Integer> backgroundThreads;
        private final Optional<MemorySize> memoryPerSlot;
        private final boolean nativeMetrics;

        public RocksDbSettings(Optional<PredefinedOptions> predefinedOptions,
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
                               boolean nativeMetrics) {
            this.predefinedOptions = predefinedOptions;
            this.bloomFilter = bloomFilter;
            this.bloomFilterBitsPerKey = bloomFilterBitsPerKey;
            this.writeBufferSize = writeBufferSize;
            this.writeBufferCount = writeBufferCount;
            this.writeBufferRatio = writeBufferRatio;
            this.blockCacheSize = blockCacheSize;
            this.compactionStyle = compactionStyle;
            this.compression = compression;
            this.backgroundThreads = backgroundThreads;
            this.memoryPerSlot = memoryPerSlot;
            this.nativeMetrics = nativeMetrics;
        }

        public Optional<PredefinedOptions> predefinedOptions() {
            return predefinedOptions;
        }

        public Optional<Boolean> bloomFilter() {
            return bloomFilter;
        }

        public Optional<Double> bloomFilterBitsPerKey() {
            return bloomFilterBitsPerKey;
        }

        public Optional<MemorySize> writeBufferSize() {
            return writeBufferSize;
        }

        public Optional<Integer> writeBufferCount() {
            return writeBufferCount;
        }

        public Optional<Double> writeBufferRatio() {
            return writeBufferRatio;
        }

        public Optional<MemorySize> blockCacheSize() {
            return blockCacheSize;
        }

        public Optional<CompactionStyle> compactionStyle() {
            return compactionStyle;
        }

        public Optional<Compression> compression() {
            return compression;
        }

        public Optional<Integer> backgroundThreads() {
            return backgroundThreads;
        }

        public Optional<MemorySize> memoryPerSlot() {
            return memoryPerSlot;
        }

        public boolean nativeMetrics() {
            return nativeMetrics;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) return true;
            if (!(o instanceof RocksDbSettings)) return false;
            RocksDbSettings that = (RocksDbSettings) o;
            return Objects.equals(predefinedOptions, that.predefinedOptions)
                    && Objects.equals(bloomFilter, that.bloomFilter)
                    && Objects.equals(bloomFilterBitsPerKey, that.bloomFilterBitsPerKey)
                    && Objects.equals(writeBufferSize, that.writeBufferSize)
                    && Objects.equals(writeBufferCount, that.writeBufferCount)
                    && Objects.equals(writeBufferRatio, that.writeBufferRatio)
                    && Objects.equals(blockCacheSize, that.blockCacheSize)
                    && Objects.equals(compactionStyle, that.compactionStyle)
                    && Objects.equals(compression, that.compression)
                    && Objects.equals(backgroundThreads, that.backgroundThreads)
                    && Objects.equals(memoryPerSlot, that.memoryPerSlot) && nativeMetrics == that.nativeMetrics;
        }

        @Override
        public int hashCode() {
            return Objects.hash(predefinedOptions, bloomFilter, bloomFilterBitsPerKey, writeBufferSize, writeBufferCount,
                    writeBufferRatio, blockCacheSize, compactionStyle, compression, backgroundThreads,
                    memoryPerSlot, nativeMetrics);
        }

        @Override
        public String toString() {
            return "RocksDbSettings[predefinedOptions=" + predefinedOptions + ", bloomFilter=" + bloomFilter + ", bloomFilterBitsPerKey=" + bloomFilterBitsPerKey
                    + ", writeBufferSize=" + writeBufferSize + ", writeBufferCount=" + writeBufferCount + ", writeBufferRatio=" + writeBufferRatio
                    + ", blockCacheSize=" + blockCacheSize + ", compactionStyle=" + compactionStyle + ", compression=" + compression
                    + ", backgroundThreads=" + backgroundThreads + ", memoryPerSlot=" + memoryPerSlot + ", nativeMetrics=" + nativeMetrics + "]";
        }
    }

    /**
     * The metric group the job's own metrics are registered in (section {@code metrics}). Flink's Prometheus
     * reporter on a cluster names them after it ({@code ..._harbinger_...}); Managed Service for Apache Flink
     * exports to CloudWatch only metrics registered under a group named {@code kinesisanalytics}.
     */
    public enum MetricsGroup {
        HARBINGER("harbinger"),
        KINESISANALYTICS("kinesisanalytics");

        private final String groupName;

        MetricsGroup(String groupName) {
            this.groupName = groupName;
        }

        /** The name of the metric group, as Flink's metric system sees it. */
        public String groupName() {
            return groupName;
        }
    }

    /**
     * Where operators register the job's own metrics; every operator that has metrics of its own receives it and
     * asks {@link #jobGroup} for its group, so the choice is made once, in the config. docs/metrics.md lists the
     * names this gives on a cluster (Prometheus) and on Managed Service for Apache Flink (CloudWatch).
     */
    public static final class MetricsSettings implements Serializable {
        private static final long serialVersionUID = 1L;
        /** What a cluster uses, and what a config file gets without a {@code metrics} section. */
        public static final MetricsSettings CLUSTER = new MetricsSettings(MetricsGroup.HARBINGER);
        /** What the Managed Service for Apache Flink property groups get without a {@code metrics} group. */
        public static final MetricsSettings MANAGED_SERVICE = new MetricsSettings(MetricsGroup.KINESISANALYTICS);

        private final MetricsGroup group;

        public MetricsSettings(MetricsGroup group) {
            if (group == null) {
                throw new IllegalArgumentException("metrics group is null");
            }
            this.group = group;
        }

        public MetricsGroup group() {
            return group;
        }

        /**
         * The job's group below an operator's metric group (or a source deserializer's, or a sink writer's):
         * {@code harbinger} or {@code kinesisanalytics}. Key-value groups below it become Prometheus labels on a
         * cluster and CloudWatch dimensions on the managed service.
         */
        public MetricGroup jobGroup(MetricGroup operatorGroup) {
            return operatorGroup.addGroup(group.groupName());
        }

        /**
         * Whether the decode-and-validate counters are registered by the source's deserializer (on a cluster, as
         * the Prometheus names and alerts expect) or by the operator right after the source that splits off the
         * dead letters. The managed service exports a metric only when {@code kinesisanalytics} is its first
         * group below the operator: the deserializer's group is below the connector's own groups (Kafka:
         * {@code deserializer}; Kinesis: {@code KinesisConsumer}, {@code subtaskId}, {@code shardId}, {@code user},
         * one per shard), which would either hide the counters or make every shard a CloudWatch dimension.
         */
        public boolean validationCountedInSource() {
            return group == MetricsGroup.HARBINGER;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof MetricsSettings && ((MetricsSettings) o).group == group;
        }

        @Override
        public int hashCode() {
            return group.hashCode();
        }

        @Override
        public String toString() {
            return "MetricsSettings[group=" + group.groupName() + "]";
        }
    }

    public String source() {
        return source;
    }

    public JobSettings job() {
        return job;
    }

    public SourceSettings input() {
        return input;
    }

    public RegistrySettings registry() {
        return registry;
    }

    public ValidationSettings validation() {
        return validation;
    }

    public DedupSettings dedup() {
        return dedup;
    }

    public EventTimeSettings eventTime() {
        return eventTime;
    }

    public WindowSettings window() {
        return window;
    }

    public AnomalySettings anomaly() {
        return anomaly;
    }

    public KafkaSinkSettings kafkaSink() {
        return kafkaSink;
    }

    public JdbcSinkSettings jdbcSink() {
        return jdbcSink;
    }

    public CheckpointSettings checkpoints() {
        return checkpoints;
    }

    public RocksDbSettings rocksdb() {
        return rocksdb;
    }

    public MetricsSettings metrics() {
        return metrics;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof JobConfig)) return false;
        JobConfig that = (JobConfig) o;
        return Objects.equals(source, that.source) && Objects.equals(job, that.job)
                && Objects.equals(input, that.input) && Objects.equals(registry, that.registry)
                && Objects.equals(validation, that.validation) && Objects.equals(dedup, that.dedup)
                && Objects.equals(eventTime, that.eventTime) && Objects.equals(window, that.window)
                && Objects.equals(anomaly, that.anomaly) && Objects.equals(kafkaSink, that.kafkaSink)
                && Objects.equals(jdbcSink, that.jdbcSink) && Objects.equals(checkpoints, that.checkpoints)
                && Objects.equals(rocksdb, that.rocksdb) && Objects.equals(metrics, that.metrics);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, job, input, registry, validation, dedup, eventTime, window, anomaly, kafkaSink, jdbcSink,
                checkpoints, rocksdb, metrics);
    }

    @Override
    public String toString() {
        return "JobConfig[source=" + source + ", job=" + job + ", input=" + input
                + ", registry=" + registry + ", validation=" + validation + ", dedup=" + dedup
                + ", eventTime=" + eventTime + ", window=" + window + ", anomaly=" + anomaly
                + ", kafkaSink=" + kafkaSink + ", jdbcSink=" + jdbcSink + ", checkpoints=" + checkpoints
                + ", rocksdb=" + rocksdb + ", metrics=" + metrics + "]";
    }
}
