package io.harbinger.stream.toolkit.cluster;

import io.harbinger.stream.toolkit.services.KafkaBroker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One child JVM of a test service: started with its output appended to a file, stopped gracefully or killed
 * with SIGKILL by its own PID, and killed by a JVM shutdown hook if the test never gets to stop it.
 */
final class ManagedProcess {
    private static final Logger LOG = LoggerFactory.getLogger(ManagedProcess.class);
    static final String HOST = "127.0.0.1";

    private final String name;
    private final Process process;
    private final Path output;
    private final Thread hook;

    private ManagedProcess(String name, Process process, Path output) {
        this.name = name;
        this.process = process;
        this.output = output;
        this.hook = new Thread(() -> process.destroyForcibly(), "kill-" + name);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    static ManagedProcess start(String name, List<String> command, Path workDir, Path output, Map<String, String> env) {
        try {
            Files.createDirectories(workDir);
            ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
            pb.environment().putAll(env);
            Process p = pb.start();
            LOG.info("{} started, pid {}", name, p.pid());
            return new ManagedProcess(name, p, output);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name + ": " + command, e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path output() {
        return output;
    }

    /** SIGTERM, then SIGKILL after the grace period. */
    void stop(long graceMillis) {
        process.destroy();
        try {
            if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                LOG.warn("{} (pid {}) did not stop within {} ms, killing it", name, process.pid(), graceMillis);
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
        removeHook();
    }

    /** SIGKILL, as a crash: no shutdown code of the child runs. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        removeHook();
    }

    private void removeHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException | IllegalArgumentException ignored) {
            // shutting down, or already removed
        }
    }

    static String javaBinary() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Reads a classpath file written by the build, naming the build step that writes it if it is missing. */
    static String classpath(String property, String defaultFile, String mustContain) {
        Path file = Paths.get(System.getProperty(property, defaultFile));
        try {
            String cp = Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8).trim() : "";
            if (!cp.contains(mustContain)) {
                throw new IllegalStateException("Classpath file " + file.toAbsolutePath() + " is missing or does not"
                        + " name " + mustContain + ": run `mvn generate-test-resources` (antrun execution"
                        + " 'fault-campaign-classpaths'); system property " + property + " overrides the location");
            }
            return cp;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    static int[] freePorts(int n) {
        return KafkaBroker.freePorts(n);
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
