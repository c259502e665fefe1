package io.harbinger.stream.toolkit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The one way the toolkit runs a process, for every service that is a process of its own (Kafka broker,
 * kinesis-local, s3proxy, ZooKeeper, the JobManager and TaskManagers of a Flink cluster) and for the tools they
 * run to completion first (Kafka's storage format, npm, BashJavaUtils, keytool):
 *
 * <ul>
 *   <li>{@link Builder#start()}: started in its work folder, stdout and stderr appended to its output file there,
 *       stopped as by {@link #stop()} from a JVM shutdown hook if nobody stops it;</li>
 *   <li>{@link #awaitReady}: polls a readiness check; fails with the tail of its logs if the process exits first
 *       or the check does not pass in time;</li>
 *   <li>{@link #stop()}: SIGTERM to its PID, SIGKILL once the stop timeout has passed;</li>
 *   <li>{@link #kill()}: SIGKILL at once, as a crash (fault tests);</li>
 *   <li>{@link Builder#run(Duration)}: to completion, failing with its output's tail on a non-zero exit.</li>
 * </ul>
 */
public final class ManagedProcess {
    private static final Logger LOG = LoggerFactory.getLogger(ManagedProcess.class);
    private static final Duration KILL_WAIT = Duration.ofSeconds(20);
    private static final int TAIL_LINES = 40;

    private final String name;
    private final Process process;
    private final Path output;
    private final List<Path> logs;
    private final Duration stopTimeout;
    private final Thread hook;

    private ManagedProcess(String name, Process process, Path output, List<Path> logs, Duration stopTimeout) {
        this.name = name;
        this.process = process;
        this.output = output;
        this.logs = logs;
        this.stopTimeout = stopTimeout;
        this.hook = new Thread(this::stop, "stop-" + name + "-" + process.pid());
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** A process named {@code name} (in logs and failure messages) that runs {@code command}. */
    public static Builder builder(String name, List<String> command) {
        return new Builder(name, command);
    }

    /** How a process is started; {@link #workDir} is required. */
    public static final class Builder {
        private final String name;
        private final List<String> command;
        private Path workDir;
        private Path output;
        private final Map<String, String> env = new HashMap<>();
        private final List<Path> logs = new ArrayList<>();
        private Duration stopTimeout = Duration.ofSeconds(10);

        private Builder(String name, List<String> command) {
            this.name = name;
            this.command = List.copyOf(command);
        }

        /** The folder it runs in (created if missing). */
        public Builder workDir(Path dir) {
            this.workDir = dir;
            return this;
        }

        /** Where its stdout and stderr are appended; {@code <workDir>/<name>.out} unless set. */
        public Builder output(Path file) {
            this.output = file;
            return this;
        }

        /** Environment variables on top of this JVM's. */
        public Builder env(Map<String, String> variables) {
            env.putAll(variables);
            return this;
        }

        /** A log file the process writes itself: its tail goes into failure messages, before the output's. */
        public Builder log(Path file) {
            logs.add(file);
            return this;
        }

        /** How long {@link ManagedProcess#stop()} waits after SIGTERM before SIGKILL; 10 s unless set. */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = timeout;
            return this;
        }

        /** Starts the process; it runs until stopped or killed, or until this JVM exits. */
        public ManagedProcess start() {
            if (workDir == null) {
                throw new IllegalStateException("no work folder for " + name);
            }
            Path out = output != null ? output : workDir.resolve(name + ".out");
            try {
                Files.createDirectories(workDir);
                // not the command line: it may carry secrets (passwords of SCRAM users), and logs must not
                Files.writeString(out, "---- start " + Instant.now() + "\n",
                        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()));
                pb.environment().putAll(env);
                Process p = pb.start();
                LOG.info("{} started, pid {} (output {})", name, p.pid(), out);
                return new ManagedProcess(name, p, out, List.copyOf(logs), stopTimeout);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot start " + name + " (" + command.get(0) + ") in " + workDir, e);
            }
        }

        /**
         * Runs the process to its end, for a tool rather than a service.
         *
         * @throws IllegalStateException if it exits with another code than 0 or does not end within the timeout
         *     (then it is killed); the message carries the tail of its output
         */
        public void run(Duration timeout) {
            ManagedProcess p = start();
            try {
                if (!p.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.kill();
                    throw new IllegalStateException(name + " did not finish within " + timeout.toSeconds() + " s ("
                            + p.where() + "):\n" + p.logTail());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.kill();
                throw new IllegalStateException("Interrupted while " + name + " ran", e);
            }
            p.removeHook();
            if (p.process.exitValue() != 0) {
                throw new IllegalStateException(name + " failed with exit code " + p.process.exitValue() + " ("
                        + p.where() + "):\n" + p.logTail());
            }
        }
    }

    /** A readiness check; an exception counts as not ready yet (the last one becomes the failure's cause). */
    @FunctionalInterface
    public interface ReadinessCheck {
        boolean ready() throws Exception;
    }

    /** The process exited while {@link #awaitReady} waited for it. */
    public static final class ExitedDuringStart extends IllegalStateException {
        private final String logTail;

        private ExitedDuringStart(String message, String logTail) {
            super(message + ":\n" + logTail);
            this.logTail = logTail;
        }

        /** The tails of its log files and output. */
        public String logTail() {
            return logTail;
        }
    }

    /**
     * Polls {@code check} every 100 ms until it passes.
     *
     * @throws ExitedDuringStart if the process exits first
     * @throws IllegalStateException if the check does not pass within the timeout; the process is stopped then
     */
    public ManagedProcess awaitReady(Duration timeout, ReadinessCheck check) {
        long t0 = System.nanoTime();
        long deadline = t0 + timeout.toNanos();
        Exception last = null;
        while (true) {
            if (!process.isAlive()) {
                removeHook();
                throw new ExitedDuringStart(name + " (pid " + process.pid() + ") exited with code "
                        + process.exitValue() + " during start (" + where() + ")", logTail());
            }
            try {
                if (check.ready()) {
                    LOG.info("{} (pid {}) ready in {} ms", name, process.pid(), (System.nanoTime() - t0) / 1_000_000);
                    return this;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop();
                throw new IllegalStateException("Interrupted while waiting for " + name, e);
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                String tail = logTail();
                stop();
                throw new IllegalStateException(name + " not ready within " + timeout.toSeconds() + " s (" + where()
                        + "); log tail:\n" + tail, last);
            }
            sleep(100);
        }
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The file its stdout and stderr are appended to. */
    public Path output() {
        return output;
    }

    /** SIGTERM to its PID, then SIGKILL after the builder's stop timeout. Nothing happens if it has ended. */
    public void stop() {
        stop(stopTimeout);
    }

    /** SIGTERM to its PID, then SIGKILL after {@code timeout}. Nothing happens if it has ended. */
    public void stop(Duration timeout) {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("{} (pid {}) did not stop within {} ms, killing it", name, process.pid(),
                            timeout.toMillis());
                    kill();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
            }
        }
        removeHook();
    }

    /** SIGKILL, as a crash: no shutdown code of the process runs. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        removeHook();
    }

    /** The last lines of each of its log files and of its output, for failure messages. */
    public String logTail() {
        StringBuilder s = new StringBuilder();
        for (Path log : logs) {
            s.append("==> ").append(log).append(" <==\n").append(tail(log, TAIL_LINES)).append('\n');
        }
        return s.append("==> ").append(output).append(" <==\n").append(tail(output, TAIL_LINES)).toString();
    }

    private String where() {
        List<String> files = new ArrayList<>();
        logs.forEach(l -> files.add(l.toString()));
        files.add(output.toString());
        return "logs: " + String.join(", ", files);
    }

    private void removeHook() {
        if (Thread.currentThread() == hook) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException | IllegalArgumentException ignored) {
            // shutting down, or already removed
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + (process.isAlive() ? ", running)" : ", ended)");
    }

    // ---------------------------------------------------------------- what the services share to launch a JVM

    /** The {@code java} of this JVM, for child JVMs. */
    public static String javaBinary() {
        Path java = Paths.get(System.getProperty("java.home"), "bin",
                System.getProperty("os.name", "").startsWith("Windows") ? "java.exe" : "java");
        if (Files.isExecutable(java)) {
            return java.toString();
        }
        return ProcessHandle.current().info().command().orElse("java");
    }

    /**
     * Reads a classpath file the build writes (one line) for a service whose jars are not on the test classpath.
     *
     * @param property the system property that names the file
     * @param defaultFile the file when the property is not set
     * @param mustContain a jar name the classpath must hold
     * @param antrunExecution the maven-antrun-plugin execution that writes it, for the failure message
     */
    public static String classpathFromBuild(String property, String defaultFile, String mustContain,
                                            String antrunExecution) {
        Path file = Paths.get(System.getProperty(property, defaultFile));
        try {
            String cp = Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8).trim() : "";
            if (!cp.contains(mustContain)) {
                throw new IllegalStateException("Classpath file " + file.toAbsolutePath() + " is missing or does not"
                        + " name " + mustContain + ": run `mvn test-compile` first (the maven-antrun-plugin execution '"
                        + antrunExecution + "' writes it; system property " + property + " overrides the location)");
            }
            return cp;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read classpath file " + file.toAbsolutePath(), e);
        }
    }

    /** The last lines of a text file, or why there are none. */
    public static String tail(Path file, int lines) {
        if (!Files.isRegularFile(file)) {
            return "(" + file + " does not exist)";
        }
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** Pauses between two polls. */
    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
