package io.harbinger.stream.toolkit.services;

import io.harbinger.stream.toolkit.ManagedProcess;
import io.harbinger.stream.toolkit.Ports;

import org.apache.flink.kinesis.shaded.com.amazonaws.auth.AWSStaticCredentialsProvider;
import org.apache.flink.kinesis.shaded.com.amazonaws.auth.BasicAWSCredentials;
import org.apache.flink.kinesis.shaded.com.amazonaws.client.builder.AwsClientBuilder.EndpointConfiguration;
import org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.AmazonKinesis;
import org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.AmazonKinesisClientBuilder;
import org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.model.CreateStreamRequest;
import org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.model.ListShardsRequest;
import org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.model.PutRecordsRequest;
import org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.model.PutRecordsRequestEntry;
import org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.model.PutRecordsResult;
import org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.model.Shard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Kinesis API on 127.0.0.1: {@code kinesis-local} (a Node build of kinesis-mock) as its own {@code node}
 * process on free ports. {@link #start} installs it with npm into {@code target/kinesis-local} the first time
 * (a no-op when that version is already there), binds it to 127.0.0.1 through a {@code node -r} preload (it
 * has no host option) and stops it by its PID in {@link #close()} or, failing that, a shutdown hook (it is a
 * {@link ManagedProcess}).
 *
 * <p>Streams are created and written with the Kinesis connector's own relocated AWS SDK v1, so tests need no
 * second AWS SDK. The job reaches the emulator through {@code source.kinesis.endpoint} and the standard
 * provider chain: {@link #useDummyCredentials()} sets the system properties that chain reads.
 */
public final class KinesisLocal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KinesisLocal.class);
    public static final String VERSION = "0.6.2";
    public static final String REGION = "eu-west-1";
    private static final String HOST = Ports.HOST;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STREAM_TIMEOUT = Duration.ofSeconds(30);
    private static final String PRELOAD = """
            // Bind every TCP server to 127.0.0.1: kinesis-local has no host option and would bind 0.0.0.0.
            const net = require('net');
            const listen = net.Server.prototype.listen;
            net.Server.prototype.listen = function (...args) {
              if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\\d+$/.test(args[0]))) {
                if (typeof args[1] === 'string') args[1] = '127.0.0.1'; else args.splice(1, 0, '127.0.0.1');
              } else if (args[0] && typeof args[0] === 'object' && args[0].port !== undefined) {
                args[0] = Object.assign({}, args[0], { host: '127.0.0.1' });
              }
              return listen.apply(this, args);
            };
            """;

    private final ManagedProcess process;
    private final int port;
    private final AmazonKinesis client;

    private KinesisLocal(ManagedProcess process, int port) {
        this.process = process;
        this.port = port;
        this.client = AmazonKinesisClientBuilder.standard()
                .withEndpointConfiguration(new EndpointConfiguration(endpoint(), REGION))
                .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials("local", "local")))
                .build();
    }

    /** Installs (once) and starts kinesis-local in {@code installDir} (e.g. target/kinesis-local). */
    public static KinesisLocal start(Path installDir) throws Exception {
        Path main = install(installDir);
        int[] ports = Ports.free(2);
        int port = ports[0];
        int tlsPort = ports[1];
        Path preload = installDir.resolve("bind-127.0.0.1.js");
        Files.writeString(preload, PRELOAD);
        Map<String, String> env = new HashMap<>();
        env.put("KINESIS_MOCK_PLAIN_PORT", String.valueOf(port));
        env.put("KINESIS_MOCK_TLS_PORT", String.valueOf(tlsPort));
        env.put("AWS_REGION", REGION);
        env.put("CREATE_STREAM_DURATION", "100ms");
        env.put("DELETE_STREAM_DURATION", "100ms");
        env.put("REGISTER_STREAM_CONSUMER_DURATION", "100ms");
        env.put("UPDATE_SHARD_COUNT_DURATION", "100ms");
        env.put("LOG_LEVEL", "WARN");
        ManagedProcess process = ManagedProcess.builder("kinesis-local",
                        List.of("node", "-r", preload.toAbsolutePath().toString(), main.toAbsolutePath().toString()))
                .workDir(main.getParent()).output(installDir.resolve("kinesis-local-" + port + ".log")).env(env)
                .stopTimeout(Duration.ofSeconds(5)).start();
        KinesisLocal kinesis = new KinesisLocal(process, port);
        try {
            process.awaitReady(READY_TIMEOUT, () -> {
                if (!Ports.accepts(port)) {
                    return false;
                }
                kinesis.client.listStreams();
                return true;
            });
        } catch (RuntimeException e) {
            kinesis.close();
            throw e;
        }
        LOG.info("kinesis-local pid {} ready at {}", process.pid(), kinesis.endpoint());
        return kinesis;
    }

    /** npm install kinesis-local@VERSION into dir, unless that version is already there; safe across JVMs. */
    static Path install(Path dir) throws Exception {
        Files.createDirectories(dir);
        Path main = dir.resolve("node_modules/kinesis-local/main.js");
        Path packageJson = dir.resolve("node_modules/kinesis-local/package.json");
        try (RandomAccessFile lockFile = new RandomAccessFile(dir.resolve(".install.lock").toFile(), "rw");
             FileLock ignored = lockFile.getChannel().lock()) {
            if (Files.exists(main) && Files.readString(packageJson).matches("(?s).*\"version\"\\s*:\\s*\"" + java.util.regex.Pattern.quote(VERSION) + "\".*")) {
                return main;
            }
            ManagedProcess.builder("npm install kinesis-local@" + VERSION, List.of("npm", "install", "--no-audit",
                            "--no-fund", "--no-save", "--prefix", dir.toAbsolutePath().toString(),
                            "kinesis-local@" + VERSION))
                    .workDir(dir).output(dir.resolve("npm-install.log")).run(Duration.ofMinutes(5));
            if (!Files.exists(main)) {
                throw new IllegalStateException("npm installed kinesis-local but " + main + " is missing");
            }
            return main;
        }
    }

    /** The properties the AWS default credentials chain reads (SDK v1 and v2), unless already set. */
    public static void useDummyCredentials() {
        System.setProperty("aws.accessKeyId", System.getProperty("aws.accessKeyId", "local"));
        System.setProperty("aws.secretKey", System.getProperty("aws.secretKey", "local"));
        System.setProperty("aws.secretAccessKey", System.getProperty("aws.secretAccessKey", "local"));
    }

    public String endpoint() {
        return "http://" + HOST + ":" + port;
    }

    public long pid() {
        return process.pid();
    }

    /** Creates a stream and waits until it is ACTIVE. */
    public void createStream(String stream, int shards) throws InterruptedException {
        client.createStream(new CreateStreamRequest().withStreamName(stream).withShardCount(shards));
        long deadline = System.nanoTime() + STREAM_TIMEOUT.toNanos();
        while (!"ACTIVE".equals(client.describeStreamSummary(
                new org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.model.DescribeStreamSummaryRequest()
                        .withStreamName(stream)).getStreamDescriptionSummary().getStreamStatus())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("stream " + stream + " not ACTIVE after " + STREAM_TIMEOUT);
            }
            Thread.sleep(50);
        }
    }

    /** The stream's open shards, in hash-key order. */
    public List<Shard> shards(String stream) {
        List<Shard> shards = new ArrayList<>(client.listShards(new ListShardsRequest().withStreamName(stream)).getShards());
        shards.removeIf(s -> s.getSequenceNumberRange().getEndingSequenceNumber() != null);
        shards.sort((a, b) -> new java.math.BigInteger(a.getHashKeyRange().getStartingHashKey())
                .compareTo(new java.math.BigInteger(b.getHashKeyRange().getStartingHashKey())));
        return shards;
    }

    /** Writes records, in order, to the shard with this index (by hash-key order); returns the sequence numbers. */
    public List<String> put(String stream, int shardIndex, List<String> partitionKeys, List<byte[]> values) {
        return putRecords(stream, shards(stream).get(shardIndex).getHashKeyRange().getStartingHashKey(),
                partitionKeys, values);
    }

    /** Writes records to the shards Kinesis picks by partition key (MD5 hash), as a producer would. */
    public List<String> put(String stream, List<String> partitionKeys, List<byte[]> values) {
        return putRecords(stream, null, partitionKeys, values);
    }

    private List<String> putRecords(String stream, String hashKey, List<String> partitionKeys, List<byte[]> values) {
        List<String> sequenceNumbers = new ArrayList<>();
        for (int from = 0; from < values.size(); from += 500) { // the PutRecords limit
            List<PutRecordsRequestEntry> batch = new ArrayList<>();
            for (int i = from; i < Math.min(values.size(), from + 500); i++) {
                batch.add(new PutRecordsRequestEntry().withPartitionKey(partitionKeys.get(i))
                        .withExplicitHashKey(hashKey).withData(ByteBuffer.wrap(values.get(i))));
            }
            PutRecordsResult result = client.putRecords(new PutRecordsRequest().withStreamName(stream).withRecords(batch));
            if (result.getFailedRecordCount() != null && result.getFailedRecordCount() > 0) {
                throw new IllegalStateException(result.getFailedRecordCount() + " records not written to " + stream);
            }
            result.getRecords().forEach(r -> sequenceNumbers.add(r.getSequenceNumber()));
        }
        return sequenceNumbers;
    }

    /** Splits an open shard in two (resharding), at the middle of its hash-key range. */
    public void splitShard(String stream, int shardIndex) throws InterruptedException {
        Shard shard = shards(stream).get(shardIndex);
        java.math.BigInteger lo = new java.math.BigInteger(shard.getHashKeyRange().getStartingHashKey());
        java.math.BigInteger hi = new java.math.BigInteger(shard.getHashKeyRange().getEndingHashKey());
        client.splitShard(stream, shard.getShardId(), lo.add(hi).shiftRight(1).toString());
        long deadline = System.nanoTime() + STREAM_TIMEOUT.toNanos();
        while (shards(stream).size() < 2 || !"ACTIVE".equals(client.describeStreamSummary(
                new org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.model.DescribeStreamSummaryRequest()
                        .withStreamName(stream)).getStreamDescriptionSummary().getStreamStatus())) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("split of " + stream + " did not finish");
            Thread.sleep(50);
        }
    }

    @Override
    public void close() {
        client.shutdown();
        process.stop();
    }

    @Override
    public String toString() {
        return "kinesis-local at " + endpoint() + " (pid " + process.pid() + ")";
    }
}
