package io.harbinger.stream.toolkit.services;

import io.harbinger.stream.toolkit.ManagedProcess;
import io.harbinger.stream.toolkit.Ports;
import io.harbinger.stream.toolkit.WorkDirs;
import io.harbinger.stream.toolkit.TcpProxy;
import io.harbinger.stream.toolkit.services.mskiam.MskIamStandInCallbackHandler;
import io.harbinger.stream.toolkit.services.mskiam.MskIamStandInLoginModule;
import io.harbinger.stream.toolkit.services.mskiam.MskIamStandInSaslServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A real Kafka 3.9.1 broker (KRaft, combined broker + controller, one node) running as its own {@code java}
 * process on 127.0.0.1, with transactions enabled.
 *
 * <p>The broker's jars are not on the test classpath (they would clash with the Flink connector's
 * kafka-clients 3.4.0): the build writes their classpath to the file named by the system property
 * {@code kafka.broker.classpath.file} (default {@code target/kafka-broker.classpath}).
 *
 * <p>Every broker started is stopped by {@link #close()} and, failing that, by a JVM shutdown hook (it is a
 * {@link ManagedProcess}).
 *
 * <p>{@link #start(Path, Security)} adds two secured listeners next to the PLAINTEXT one (which stays for the
 * broker's own controller and admin traffic and for test set-up): SASL_SSL with SCRAM-SHA-512, the users created
 * when the storage is formatted, and SSL with {@code ssl.client.auth=required} (mutual TLS). No authorizer runs:
 * an authenticated client may do everything.
 *
 * <p>With {@link Security#mskIam()} the SASL_SSL listener also offers {@code AWS_MSK_IAM}, served by the test
 * code's stand-in for MSK's IAM broker side ({@link MskIamStandInSaslServer}; its classes are copied into the
 * work directory and put on the broker's classpath).
 *
 * <p>{@link #startWithProxiedListener(Path)} adds a PLAINTEXT listener that advertises the port of a
 * {@link TcpProxy} in front of it ({@link #proxiedBootstrapServers()}): clients bootstrapped there reach the
 * broker only through the proxy, so a test can cut them off while the broker, and clients on the first
 * listener, keep running.
 */
public final class KafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);

    /** System property naming the file that holds the broker's classpath (one ':'-separated line). */
    public static final String CLASSPATH_FILE_PROPERTY = "kafka.broker.classpath.file";
    private static final String DEFAULT_CLASSPATH_FILE = "target/kafka-broker.classpath";

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final int START_ATTEMPTS = 3;
    private static final String HOST = Ports.HOST;
    private static final long SESSION_TIMEOUT_MS = 3000;

    private final Path workDir;
    private final String classpath;
    private final Path serverProperties;
    private final Path log4jProperties;
    private final Path logFile;
    private final Path stdoutFile;
    private final int port;
    private final int controllerPort;
    private final Security security;
    private final int saslSslPort;
    private final int sslPort;
    private final int proxiedPort;
    private final TcpProxy proxy;

    private volatile ManagedProcess process;
    private volatile Admin admin;

    /**
     * The secured listeners' settings: the broker's key store (its certificate, for both TLS listeners), the
     * trust store its SSL listener checks client certificates against, one password for both stores and the
     * key, and the SCRAM-SHA-512 users (name to password) written into the metadata log at format time;
     * {@code mskIam}, when not null, the one identity of the {@code AWS_MSK_IAM} stand-in on the SASL_SSL listener.
     */
    public record Security(Path keystore, Path clientTruststore, String storePassword, Map<String, String> scramUsers,
                           MskIamStandInSaslServer.Account mskIam) {
        public Security(Path keystore, Path clientTruststore, String storePassword, Map<String, String> scramUsers) {
            this(keystore, clientTruststore, storePassword, scramUsers, null);
        }

        @Override
        public String toString() {
            return "Security[keystore=" + keystore + ", clientTruststore=" + clientTruststore + ", scramUsers="
                    + scramUsers.keySet() + ", mskIam=" + mskIam + "]";
        }
    }

    private KafkaBroker(Path workDir, String classpath, int[] ports, Security security, boolean proxied) {
        this.workDir = workDir;
        this.classpath = classpath;
        this.port = ports[0];
        this.controllerPort = ports[1];
        this.security = security;
        this.saslSslPort = security == null ? -1 : ports[2];
        this.sslPort = security == null ? -1 : ports[3];
        this.proxiedPort = proxied ? ports[ports.length - 1] : -1;
        this.proxy = proxied ? new TcpProxy("kafka", proxiedPort) : null;
        this.serverProperties = workDir.resolve("server.properties");
        this.log4jProperties = workDir.resolve("log4j.properties");
        this.logFile = workDir.resolve("server.log");
        this.stdoutFile = workDir.resolve("broker.out");
    }

    /**
     * Formats a fresh KRaft log directory under {@code workDir} and starts a broker on free 127.0.0.1 ports.
     * Returns when an admin client can describe the cluster.
     *
     * @throws IllegalStateException if the broker does not come up within 60 s (the message carries the tail
     *     of its log and the log's path)
     */
    public static KafkaBroker start(Path workDir) {
        return start(workDir, null);
    }

    /**
     * As {@link #start(Path)}, with the SASL_SSL (SCRAM-SHA-512) and SSL (client certificate required)
     * listeners of {@code security} on two more free 127.0.0.1 ports; {@code null} for none.
     */
    public static KafkaBroker start(Path workDir, Security security) {
        return start(workDir, security, false);
    }

    /** As {@link #start(Path)}, plus the listener behind a proxy ({@link #proxiedBootstrapServers()}). */
    public static KafkaBroker startWithProxiedListener(Path workDir) {
        return start(workDir, null, true);
    }

    private static KafkaBroker start(Path workDir, Security security, boolean proxied) {
        String classpath = readClasspath();
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create Kafka work directory " + workDir, e);
        }
        Path dir = workDir.toAbsolutePath();
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int[] ports = Ports.free((security == null ? 2 : 4) + (proxied ? 1 : 0));
            KafkaBroker broker = new KafkaBroker(dir, classpath, ports, security, proxied);
            long t0 = System.nanoTime();
            try {
                broker.writeConfig();
                broker.format();
                broker.launchAndAwaitReady();
                LOG.info("Kafka broker ready at {} in {} ms (work dir {})", broker.bootstrapServers(),
                        (System.nanoTime() - t0) / 1_000_000, dir);
                return broker;
            } catch (PortClashException e) {
                // another process took one of our ports between probing and binding: pick new ones
                LOG.warn("Kafka broker attempt {} hit a port clash, retrying with new ports", attempt);
                broker.stopQuietly();
                broker.closeProxy();
                deleteRecursively(dir.resolve("data"));
                last = e;
            } catch (RuntimeException e) {
                broker.stopQuietly();
                broker.closeProxy();
                throw e;
            }
        }
        throw last;
    }

    /** {@code 127.0.0.1:PORT} of the listener behind the proxy; only after {@link #startWithProxiedListener}. */
    public String proxiedBootstrapServers() {
        return HOST + ":" + proxy().port();
    }

    /** The proxy in front of the proxied listener; it survives {@link #restart()}. */
    public TcpProxy proxy() {
        if (proxy == null) {
            throw new IllegalStateException("this broker was started without a proxied listener: use startWithProxiedListener");
        }
        return proxy;
    }

    private void closeProxy() {
        if (proxy != null) {
            proxy.close();
        }
    }

    /** {@code 127.0.0.1:PORT} of the PLAINTEXT listener. */
    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:PORT} of the SASL_SSL listener (SCRAM-SHA-512). */
    public String saslSslBootstrapServers() {
        requireSecurity();
        return HOST + ":" + saslSslPort;
    }

    /** {@code 127.0.0.1:PORT} of the SSL listener that requires a client certificate. */
    public String sslBootstrapServers() {
        requireSecurity();
        return HOST + ":" + sslPort;
    }

    private void requireSecurity() {
        if (security == null) {
            throw new IllegalStateException("this broker was started without secured listeners: use start(Path, Security)");
        }
    }

    /** The broker's own log (log4j, INFO). Its stdout/stderr go to {@code broker.out} next to it. */
    public Path logFile() {
        return logFile;
    }

    public Path workDir() {
        return workDir;
    }

    public boolean isRunning() {
        ManagedProcess p = process;
        return p != null && p.isAlive();
    }

    /**
     * Creates the topics (replication factor 1) and waits until every partition has a leader. Topics that
     * exist already are left as they are.
     */
    public void createTopics(int partitions, String... names) {
        List<NewTopic> topics = Arrays.stream(names)
                .map(n -> new NewTopic(n, partitions, (short) 1))
                .collect(Collectors.toList());
        Admin a = admin();
        a.createTopics(topics).values().forEach((name, future) -> {
            try {
                future.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("Creating topic " + name + " failed on "
                            + bootstrapServers() + " (broker log: " + logFile + ")", e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while creating topic " + name, e);
            } catch (TimeoutException e) {
                throw new IllegalStateException("Creating topic " + name + " timed out on "
                        + bootstrapServers() + " (broker log: " + logFile + ")", e);
            }
        });
        awaitLeaders(a, Arrays.asList(names), Duration.ofSeconds(30));
    }

    /**
     * The transactional ids the broker's transaction coordinator knows that start with {@code prefix}, with the
     * state of each: every id a producer initialised stays listed until {@code transactional.id.expiration.ms}
     * (7 days here, Kafka's default) after its last transaction.
     */
    public Map<String, TransactionState> transactionalIds(String prefix) {
        try {
            Map<String, TransactionState> ids = new java.util.TreeMap<>();
            for (TransactionListing t : admin().listTransactions().all().get(30, TimeUnit.SECONDS)) {
                if (t.transactionalId().startsWith(prefix)) ids.put(t.transactionalId(), t.state());
            }
            return ids;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while listing transactions", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Listing transactions failed on " + bootstrapServers()
                    + " (broker log: " + logFile + ")", e);
        }
    }

    /**
     * How many records of {@code topic} the consumer group {@code group} has not committed yet: the sum over its
     * partitions of the end offset minus the group's committed offset (the whole partition where it has none).
     * A Flink Kafka source commits at each completed checkpoint, so this is the job's lag as of its last one.
     */
    public long consumerGroupLag(String group, String topic) {
        try {
            Admin a = admin();
            List<TopicPartition> partitions = a.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition()))
                    .collect(Collectors.toList());
            Map<TopicPartition, OffsetAndMetadata> committed = a.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = partitions.stream()
                    .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
            long lag = 0;
            for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end
                    : a.listOffsets(latest).all().get(30, TimeUnit.SECONDS).entrySet()) {
                OffsetAndMetadata at = committed.get(end.getKey());
                lag += end.getValue().offset() - (at == null ? 0 : at.offset());
            }
            return lag;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while reading the lag of group " + group, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Reading the lag of group " + group + " on " + topic + " failed on "
                    + bootstrapServers() + " (broker log: " + logFile + ")", e);
        }
    }

    /** Stops the broker gracefully (SIGTERM, then SIGKILL after 10 s). Data stays in the work directory. */
    public void stop() {
        closeAdmin();
        ManagedProcess p = process;
        if (p == null) {
            return;
        }
        long t0 = System.nanoTime();
        p.stop(STOP_GRACE);
        process = null;
        LOG.info("Kafka broker {} stopped in {} ms", bootstrapServers(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** Kills the broker process at once (SIGKILL), as a crash would. Data stays; {@link #restart()} brings it back. */
    public void kill() {
        closeAdmin();
        ManagedProcess p = process;
        if (p == null) {
            return;
        }
        p.kill();
        process = null;
        LOG.info("Kafka broker {} killed", bootstrapServers());
    }

    /**
     * Stops the broker if it runs and starts it again on the same ports with the same data. After a
     * graceful {@link #stop()} this takes about 2.5 s; after {@link #kill()} about 5 s, as the controller
     * only accepts the new broker incarnation once the killed one's session (3 s) has expired.
     */
    public void restart() {
        stop();
        long t0 = System.nanoTime();
        try {
            launchAndAwaitReady();
        } catch (RuntimeException e) {
            stopQuietly();
            throw e;
        }
        LOG.info("Kafka broker {} restarted in {} ms", bootstrapServers(), (System.nanoTime() - t0) / 1_000_000);
    }

    @Override
    public void close() {
        stop();
        closeProxy();
    }

    @Override
    public String toString() {
        return "KafkaBroker[" + bootstrapServers() + ", " + workDir + (isRunning() ? ", running]" : ", stopped]");
    }

    // ------------------------------------------------------------------------------------------------

    static String readClasspath() {
        return ManagedProcess.classpathFromBuild(CLASSPATH_FILE_PROPERTY, DEFAULT_CLASSPATH_FILE, "kafka_2.13",
                "kafka-broker-classpath");
    }

    private void writeConfig() {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        if (proxy != null) {
            p.setProperty("listeners", p.getProperty("listeners") + ",PROXIED://" + HOST + ":" + proxiedPort);
            p.setProperty("advertised.listeners", p.getProperty("advertised.listeners") + ",PROXIED://" + HOST + ":"
                    + proxy.port());
            p.setProperty("listener.security.protocol.map", p.getProperty("listener.security.protocol.map")
                    + ",PROXIED:PLAINTEXT");
        }
        if (security != null) {
            String secured = ",SASL_SSL://" + HOST + ":" + saslSslPort + ",SSL://" + HOST + ":" + sslPort;
            p.setProperty("listeners", p.getProperty("listeners") + secured);
            p.setProperty("advertised.listeners", p.getProperty("advertised.listeners") + secured);
            p.setProperty("listener.security.protocol.map",
                    p.getProperty("listener.security.protocol.map") + ",SASL_SSL:SASL_SSL,SSL:SSL");
            String mechanisms = security.mskIam() == null ? "SCRAM-SHA-512"
                    : "SCRAM-SHA-512," + MskIamStandInSaslServer.MECHANISM;
            p.setProperty("sasl.enabled.mechanisms", mechanisms);
            p.setProperty("listener.name.sasl_ssl.sasl.enabled.mechanisms", mechanisms);
            // server side only: the broker talks to itself over PLAINTEXT and never logs in with SCRAM
            p.setProperty("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;");
            if (security.mskIam() != null) {
                MskIamStandInSaslServer.Account iam = security.mskIam();
                p.setProperty("listener.name.sasl_ssl.aws_msk_iam.sasl.jaas.config",
                        MskIamStandInLoginModule.class.getName() + " required accessKeyId=\"" + iam.accessKeyId()
                                + "\" secretAccessKey=\"" + iam.secretAccessKey() + "\" region=\"" + iam.region()
                                + "\" auditLog=\"" + slashes(iam.auditLog()) + "\";");
                p.setProperty("listener.name.sasl_ssl.aws_msk_iam.sasl.server.callback.handler.class",
                        MskIamStandInCallbackHandler.class.getName());
            }
            p.setProperty("ssl.keystore.location", slashes(security.keystore()));
            p.setProperty("ssl.keystore.type", "PKCS12");
            p.setProperty("ssl.keystore.password", security.storePassword());
            p.setProperty("ssl.key.password", security.storePassword());
            p.setProperty("ssl.truststore.location", slashes(security.clientTruststore()));
            p.setProperty("ssl.truststore.type", "PKCS12");
            p.setProperty("ssl.truststore.password", security.storePassword());
            p.setProperty("listener.name.ssl.ssl.client.auth", "required");
        }
        p.setProperty("log.dirs", slashes(workDir.resolve("data")));
        p.setProperty("num.partitions", "1");
        p.setProperty("default.replication.factor", "1");
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "1");
        p.setProperty("min.insync.replicas", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("transaction.max.timeout.ms", "3600000");
        p.setProperty("auto.create.topics.enable", "false");
        // After a kill, the restarted node's broker cannot register again until the killed incarnation's
        // session expires, counted from the restarted controller's activation (DuplicateBrokerRegistrationException,
        // retried with exponential back-off): the 9 s default made kill + restart take 14 s.
        p.setProperty("broker.session.timeout.ms", String.valueOf(SESSION_TIMEOUT_MS));
        p.setProperty("broker.heartbeat.interval.ms", "500");
        p.setProperty("num.network.threads", "2");
        p.setProperty("num.io.threads", "2");
        StringBuilder log4j = new StringBuilder()
                .append("log4j.rootLogger=INFO, file\n")
                .append("log4j.appender.file=org.apache.log4j.FileAppender\n")
                .append("log4j.appender.file.File=").append(slashes(logFile)).append('\n')
                .append("log4j.appender.file.Append=true\n")
                .append("log4j.appender.file.layout=org.apache.log4j.PatternLayout\n")
                .append("log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n")
                .append("log4j.logger.kafka.request.logger=WARN\n")
                .append("log4j.logger.state.change.logger=WARN\n")
                .append("log4j.logger.kafka.log.LogCleaner=WARN\n");
        try (var out = Files.newBufferedWriter(serverProperties, StandardCharsets.UTF_8)) {
            p.store(out, "Harbinger test broker");
            Files.writeString(log4jProperties, log4j, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write Kafka configuration into " + workDir, e);
        }
    }

    /** {@code kafka-storage.sh format}: a fresh cluster id, run in its own JVM. */
    private void format() {
        // what `kafka.tools.StorageTool random-uuid` prints, without a JVM start of its own
        String clusterId = Uuid.randomUuid().toString();
        Path formatLog = workDir.resolve("format.log");
        List<String> cmd = javaCommand("-Xmx256m");
        cmd.addAll(List.of("kafka.tools.StorageTool", "format", "-t", clusterId, "-c", serverProperties.toString(),
                "--ignore-formatted"));
        if (security != null) {
            security.scramUsers().forEach((name, password) -> {
                cmd.add("--add-scram");
                cmd.add("SCRAM-SHA-512=[name=" + name + ",password=" + password + "]");
            });
        }
        ManagedProcess.builder("Kafka StorageTool format", cmd).workDir(workDir).output(formatLog).run(FORMAT_TIMEOUT);
    }

    private void launchAndAwaitReady() {
        List<String> cmd = javaCommand("-Xmx512m");
        cmd.add("kafka.Kafka");
        cmd.add(serverProperties.toString());
        process = ManagedProcess.builder("Kafka broker " + bootstrapServers(), cmd).workDir(workDir)
                .output(stdoutFile).log(logFile).stopTimeout(STOP_GRACE).start();
        try {
            // first the listeners accept connections (keeps the admin client from logging connection warnings),
            // then the cluster answers metadata requests
            process.awaitReady(READY_TIMEOUT, () -> allPortsAccept()
                    && !admin().describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty());
        } catch (ManagedProcess.ExitedDuringStart e) {
            process = null;
            closeAdmin();
            String log = e.logTail();
            if (log.contains("Address already in use") || log.contains("BindException")) {
                throw new PortClashException(e.getMessage());
            }
            throw e;
        } catch (RuntimeException e) {
            process = null;
            closeAdmin();
            throw e;
        }
    }

    private boolean allPortsAccept() {
        return Ports.accepts(port) && (security == null || (Ports.accepts(saslSslPort) && Ports.accepts(sslPort)))
                && (proxy == null || Ports.accepts(proxiedPort));
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Properties props = new Properties();
            props.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
            props.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
            props.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
            props.setProperty(AdminClientConfig.CLIENT_ID_CONFIG, "harbinger-test-broker-admin-" + port);
            admin = Admin.create(props);
        }
        return admin;
    }

    private synchronized void closeAdmin() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
            admin = null;
        }
    }

    private void awaitLeaders(Admin a, List<String> names, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                Map<String, TopicDescription> d = a.describeTopics(names).allTopicNames().get(5, TimeUnit.SECONDS);
                boolean ready = d.values().stream()
                        .flatMap(t -> t.partitions().stream())
                        .map(TopicPartitionInfo::leader)
                        .allMatch(l -> l != null && !l.isEmpty());
                if (ready && d.size() == names.size()) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                last = e; // UnknownTopicOrPartition while metadata propagates
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for topics " + names, e);
            }
            ManagedProcess.sleep(50);
        }
        throw new IllegalStateException("Topics " + names + " have no leaders after " + timeout.toSeconds()
                + " s on " + bootstrapServers() + " (broker log: " + logFile + ")", last);
    }

    private List<String> javaCommand(String heap) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ManagedProcess.javaBinary());
        cmd.add(heap);
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Djava.awt.headless=true");
        cmd.add("-Dlog4j.configuration=" + log4jProperties.toUri());
        cmd.add("-cp");
        cmd.add(security != null && security.mskIam() != null
                ? classpath + File.pathSeparator + mskIamStandInClasses() : classpath);
        return cmd;
    }

    /**
     * The stand-in's classes (package {@code mskiam}, JDK and Kafka only), copied from the test classes into the
     * work directory so that the broker gets those and nothing else of the test code.
     */
    private Path mskIamStandInClasses() {
        Path target = workDir.resolve("msk-iam-stand-in");
        String pkg = MskIamStandInSaslServer.class.getPackageName().replace('.', '/');
        try {
            Path source = Path.of(MskIamStandInSaslServer.class.getProtectionDomain().getCodeSource().getLocation()
                    .toURI()).resolve(pkg);
            if (!Files.isDirectory(source)) {
                throw new IllegalStateException("the MSK IAM stand-in's classes are not in a directory: " + source);
            }
            Path into = Files.createDirectories(target.resolve(pkg));
            try (var classes = Files.list(source)) {
                for (Path c : (Iterable<Path>) classes.filter(f -> f.toString().endsWith(".class"))::iterator) {
                    Files.copy(c, into.resolve(c.getFileName().toString()),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot copy the MSK IAM stand-in's classes into " + target, e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return target;
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException e) {
            LOG.warn("Stopping Kafka broker {} failed", bootstrapServers(), e);
            ManagedProcess p = process;
            if (p != null) {
                p.kill();
            }
        }
    }

    private static String slashes(Path p) {
        return p.toAbsolutePath().toString().replace('\\', '/');
    }

    private static void deleteRecursively(Path dir) {
        try {
            WorkDirs.deleteRecursively(dir);
        } catch (IOException e) {
            LOG.warn("Cannot delete {}", dir, e);
        }
    }

    /** The broker could not bind a port that was free a moment before. */
    private static final class PortClashException extends IllegalStateException {
        PortClashException(String message) {
            super(message);
        }
    }
}
