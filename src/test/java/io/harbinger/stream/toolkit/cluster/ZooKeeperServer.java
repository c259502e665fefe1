package io.harbinger.stream.toolkit.cluster;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A standalone ZooKeeper 3.8 server ({@code ZooKeeperServerMain} with a {@code zoo.cfg}) as its own process on a
 * free 127.0.0.1 port, for Flink's ZooKeeper high availability. The jars come from the Kafka broker classpath the
 * build writes (system property {@code kafka.broker.classpath.file}, default {@code target/kafka-broker.classpath}),
 * which holds {@code zookeeper-3.8.4.jar} and a reload4j binding. No admin server, no four-letter words; ready
 * once the client port accepts a TCP connection. Stopped by its PID (and killed by a shutdown hook).
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
        String cp = ManagedProcess.classpath("kafka.broker.classpath.file", "target/kafka-broker.classpath",
                "zookeeper-3.8");
        int port = ManagedProcess.freePorts(1)[0];
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
                    "clientPortAddress=" + ManagedProcess.HOST,
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
        ManagedProcess p = ManagedProcess.start("zookeeper", cmd, dir, dir.resolve("zookeeper.out"), Map.of());
        ZooKeeperServer zk = new ZooKeeperServer(p, port);
        long t0 = System.nanoTime();
        long deadline = t0 + READY_TIMEOUT.toNanos();
        while (!zk.canConnect()) {
            if (!p.isAlive()) {
                throw new IllegalStateException("ZooKeeper exited during start on port " + port + ":\n"
                        + ManagedProcess.tail(dir.resolve("zookeeper.log"), 40) + "\n"
                        + ManagedProcess.tail(p.output(), 20));
            }
            if (System.nanoTime() > deadline) {
                p.stop(2_000);
                throw new IllegalStateException("ZooKeeper did not accept connections on " + zk.connectString()
                        + " within " + READY_TIMEOUT.toSeconds() + " s (log " + dir.resolve("zookeeper.log") + ")");
            }
            ManagedProcess.sleep(100);
        }
        LOG.info("ZooKeeper up at {} (pid {}) in {} ms", zk.connectString(), p.pid(), (System.nanoTime() - t0) / 1_000_000);
        return zk;
    }

    /** {@code 127.0.0.1:PORT}, for {@code high-availability.zookeeper.quorum}. */
    public String connectString() {
        return ManagedProcess.HOST + ":" + port;
    }

    public long pid() {
        return process.pid();
    }

    private boolean canConnect() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ManagedProcess.HOST, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        process.stop(5_000);
    }
}
