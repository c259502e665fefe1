package io.harbinger.stream.toolkit.cluster;

import io.harbinger.stream.toolkit.ManagedProcess;
import io.harbinger.stream.toolkit.Ports;
import io.harbinger.stream.toolkit.TcpProxy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * An S3 endpoint for checkpoints: s3proxy 3.0.0 with the in-memory {@code transient} backend (the only one
 * Hadoop S3A works with, see docs/fault-tolerance.md) as its own process on a free 127.0.0.1 port, with a
 * {@link TcpProxy} in front. Clients use {@link #endpoint()}, the proxy's address, so a test can make S3
 * unreachable ({@link #setReachable}) without a restart that would lose the stored objects.
 *
 * <p>The classpath comes from the file the build writes (system property {@code s3proxy.classpath.file}).
 */
public final class S3Proxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(S3Proxy.class);
    public static final String ACCESS_KEY = "harbinger";
    public static final String SECRET_KEY = "harbinger-secret";

    private final ManagedProcess process;
    private final int port;
    private final TcpProxy proxy;

    private S3Proxy(ManagedProcess process, int port) {
        this.process = process;
        this.port = port;
        this.proxy = new TcpProxy("s3", port);
    }

    /** Starts s3proxy, waits until it answers and creates the buckets. */
    public static S3Proxy start(Path workDir, String... buckets) {
        String cp = ManagedProcess.classpathFromBuild("s3proxy.classpath.file", "target/s3proxy.classpath", "s3proxy",
                "fault-campaign-classpaths");
        int port = Ports.free();
        try {
            Files.createDirectories(workDir);
            Files.writeString(workDir.resolve("s3proxy.properties"), String.join("\n",
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + ACCESS_KEY,
                    "s3proxy.credential=" + SECRET_KEY,
                    "jclouds.provider=transient",
                    "jclouds.identity=" + ACCESS_KEY,
                    "jclouds.credential=" + SECRET_KEY,
                    ""));
            // s3proxy ships no logging config and would log every request at DEBUG
            Files.writeString(workDir.resolve("logback.xml"), """
                    <configuration>
                      <appender name="F" class="ch.qos.logback.core.FileAppender">
                        <file>%s</file><append>true</append>
                        <encoder><pattern>%%d %%level %%logger{20} %%msg%%n</pattern></encoder>
                      </appender>
                      <root level="WARN"><appender-ref ref="F"/></root>
                    </configuration>
                    """.formatted(workDir.resolve("s3proxy.log")));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write s3proxy config into " + workDir, e);
        }
        // The transient backend holds every object in the heap, and completing a multipart upload copies the
        // parts once more: the job jar (87 MB with the Kinesis connector) goes to HA blob storage in two parts,
        // and with 256 MB s3proxy ran out of memory there, so the recovering JobManager found no job jar. With
        // 768 MB it ran out during the long fault campaign's final savepoint (millions of dedup ids, canonical
        // format), which S3A uploads in 64 MB parts; the heap only grows as far as the objects need.
        List<String> cmd = List.of(ManagedProcess.javaBinary(), "-Xmx3g", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Dlogback.configurationFile=" + workDir.resolve("logback.xml"),
                "-cp", cp, "org.gaul.s3proxy.Main", "--properties", workDir.resolve("s3proxy.properties").toString());
        long t0 = System.nanoTime();
        ManagedProcess p = ManagedProcess.builder("s3proxy", cmd).workDir(workDir)
                .output(workDir.resolve("s3proxy.out")).log(workDir.resolve("s3proxy.log"))
                .stopTimeout(Duration.ofSeconds(5)).start();
        S3Proxy s3 = new S3Proxy(p, port);
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            p.awaitReady(Duration.ofSeconds(60), () -> {
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                return true; // any HTTP answer (403 without credentials) means it listens
            });
            for (String bucket : buckets) {
                s3.createBucket(bucket);
            }
        } catch (RuntimeException e) {
            s3.close();
            throw e;
        }
        LOG.info("s3proxy ready on :{} (proxy :{}) in {} ms", port, s3.proxy.port(), (System.nanoTime() - t0) / 1_000_000);
        return s3;
    }

    /** What clients (Flink's s3.endpoint) use: the proxy in front of s3proxy. */
    public String endpoint() {
        return "http://127.0.0.1:" + proxy.port();
    }

    public TcpProxy proxy() {
        return proxy;
    }

    /**
     * Makes the endpoint unreachable (connections refused and open ones cut, as when S3 is down) or reachable
     * again. For a hung endpoint instead, use {@code proxy().setMode(STALL)}.
     */
    public void setReachable(boolean reachable) {
        proxy.setMode(reachable ? TcpProxy.Mode.OPEN : TcpProxy.Mode.REFUSE);
    }

    /** Creates a bucket with a signed (AWS v2) PUT, the one request the test makes itself. */
    private void createBucket(String bucket) {
        String date = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC));
        String toSign = "PUT\n\n\n\nx-amz-date:" + date + "\n/" + bucket;
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA1");
            mac.init(new javax.crypto.spec.SecretKeySpec(SECRET_KEY.getBytes(), "HmacSHA1"));
            String sig = java.util.Base64.getEncoder().encodeToString(mac.doFinal(toSign.getBytes()));
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/" + bucket))
                    .header("x-amz-date", date).header("Authorization", "AWS " + ACCESS_KEY + ":" + sig)
                    .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("creating bucket " + bucket + " failed: " + r.statusCode() + " " + r.body());
            }
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("creating bucket " + bucket + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        proxy.close();
        process.stop();
    }
}
