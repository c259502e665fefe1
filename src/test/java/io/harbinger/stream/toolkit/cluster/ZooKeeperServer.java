package io.harbinger.stream.toolkit.cluster;

import io.harbinger.stream.toolkit.ManagedProcess;
import io.harbinger.stream.toolkit.Ports;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A standalone ZooKeeper 3.8 server ({@code ZooKeeperServerMain} with a {@code zoo.cfg}) as its own process on a
 * free 127.0.0.1 port, for Flink's ZooKeeper high availability. The jars come from the Kafka broker classpath the
 * build writes (system property {@code kafka.broker.classpath.file}, default {@code target/kafka-broker.classpath}),
 * which holds {@code zookeeper-3.8.4.jar} and a reload4j binding. No admin server, no four-letter words; ready
 * once the client port accepts a TCP connection. A {@link ManagedProcess}: stopped by its PID (and a shutdown hook).
 *
 * <p>{@code tickTime} is 500 ms, so sessions of 1 s to 10 s are allowed: a killed JobManager's leader latch
 * (an ephemeral node) only goes away when its session expires, which bounds how soon a new one can lead.
 */
public final class ZooKeeperServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperServer.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final ManagedProcess process;
    private final int port;

    private ZooKeeperServer(ManagedProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    public static ZooKeeperServer start(Path workDir) {
        String cp = ManagedProcess.classpathFromBuild("kafka.broker.classpath.file", "target/kafka-broker.classpath",
                "zookeeper-3.8", "kafka-broker-classpath");
        int port = Ports.free();
        Path dir = workDir.toAbsolutePath();
        Path cfg = dir.resolve("zoo.cfg");
        Path log4j = dir.resolve("log4j.properties");
        try {
            Files.createDirectories(dir.resolve("data"));
            Files.writeString(cfg, String.join("\n",
                    "tickTime=500",
                    "initLimit=10",
                    "syncLimit=5",
                    "dataDir=" + dir.resolve("data"),
                    "clientPort=" + port,
                    "clientPortAddress=" + Ports.HOST,
                    "maxClientCnxns=0",
                    "admin.enableServer=false",
                    "4lw.commands.whitelist=",
                    "autopurge.purgeInterval=0",
                    ""));
            Files.writeString(log4j, String.join("\n",
                    "log4j.rootLogger=INFO, file",
                    "log4j.appender.file=org.apache.log4j.FileAppender",
                    "log4j.appender.file.File=" + dir.resolve("zookeeper.log"),
                    "log4j.appender.file.Append=true",
                    "log4j.appender.file.layout=org.apache.log4j.PatternLayout",
                    "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n",
                    ""));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the ZooKeeper config into " + dir, e);
        }
        List<String> cmd = new ArrayList<>(List.of(ManagedProcess.javaBinary(), "-Xmx128m", "-Xms64m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true",
                "-Dzookeeper.admin.enableServer=false", "-Dlog4j.configuration=" + log4j.toUri(),
                "-cp", cp, "org.apache.zookeeper.server.ZooKeeperServerMain", cfg.toString()));
        ManagedProcess p = ManagedProcess.builder("zookeeper", cmd).workDir(dir).output(dir.resolve("zookeeper.out"))
                .log(dir.resolve("zookeeper.log")).stopTimeout(Duration.ofSeconds(5)).start();
        p.awaitReady(READY_TIMEOUT, () -> Ports.accepts(port));
        ZooKeeperServer zk = new ZooKeeperServer(p, port);
        LOG.info("ZooKeeper up at {} (pid {})", zk.connectString(), p.pid());
        return zk;
    }

    /** {@code 127.0.0.1:PORT}, for {@code high-availability.zookeeper.quorum}. */
    public String connectString() {
        return Ports.HOST + ":" + port;
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.stop();
    }
}
