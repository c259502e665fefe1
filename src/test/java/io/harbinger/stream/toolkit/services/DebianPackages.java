package io.harbinger.stream.toolkit.services;

import io.harbinger.stream.toolkit.ManagedProcess;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.RandomAccessFile;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Debian packages that tests run as tools (Prometheus' {@code promtool}, Chromium), installed by the build
 * itself when missing, as {@link KinesisLocal} installs its emulator from npm. The README says which.
 *
 * <p>{@link #ensure} returns at once when the package's binary is there. Otherwise, as root, it runs
 * {@code apt-get update} and {@code apt-get install --no-install-recommends} under a machine-wide lock (two
 * test JVMs may ask at once), with a temporary {@code policy-rc.d} that stops the package's post-install from
 * starting a daemon of its own (Prometheus' would listen on every interface). Not root: it fails with the
 * command to run.
 */
public final class DebianPackages {
    private static final Logger LOG = LoggerFactory.getLogger(DebianPackages.class);
    private static final Path LOCK = Paths.get(System.getProperty("java.io.tmpdir"), "harbinger-apt.lock");
    private static final Path POLICY_RC_D = Paths.get("/usr/sbin/policy-rc.d");
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(10);

    private DebianPackages() {}

    /**
     * The path of {@code binary} (absolute, e.g. /usr/bin/promtool), installing Debian package {@code pkg}
     * first when it is missing.
     */
    public static Path ensure(String pkg, String binary) throws Exception {
        Path path = Paths.get(binary);
        if (Files.isExecutable(path)) {
            return path;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException(binary + " is missing and only root can install it here: run "
                    + "`sudo apt-get install --no-install-recommends " + pkg + "` once, then the tests again");
        }
        Path logDir = Files.createDirectories(Paths.get(System.getProperty("java.io.tmpdir"), "harbinger-apt"));
        try (RandomAccessFile lockFile = new RandomAccessFile(LOCK.toFile(), "rw");
             FileLock ignored = lockFile.getChannel().lock()) {
            if (Files.isExecutable(path)) {
                return path; // another JVM installed it while this one waited
            }
            LOG.info("{} is missing: installing Debian package {} (once per machine)", binary, pkg);
            boolean ownPolicy = !Files.exists(POLICY_RC_D);
            if (ownPolicy) {
                Files.writeString(POLICY_RC_D, "#!/bin/sh\n# written by the Harbinger tests during apt-get\nexit 101\n");
                POLICY_RC_D.toFile().setExecutable(true);
            }
            try {
                Map<String, String> env = Map.of("DEBIAN_FRONTEND", "noninteractive");
                apt(List.of("update", "-qq"), env, logDir.resolve("apt-update.log"));
                apt(List.of("install", "-y", "-qq", "--no-install-recommends", pkg), env,
                        logDir.resolve("apt-install-" + pkg + ".log"));
            } finally {
                if (ownPolicy) {
                    Files.deleteIfExists(POLICY_RC_D);
                }
            }
        }
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException("apt-get installed " + pkg + " but " + binary + " is still missing");
        }
        return path;
    }

    private static void apt(List<String> arguments, Map<String, String> env, Path log) {
        List<String> command = new ArrayList<>();
        command.add("apt-get");
        command.addAll(arguments);
        ManagedProcess.builder("apt-get " + String.join(" ", arguments), command)
                .workDir(log.getParent()).output(log).env(env).run(INSTALL_TIMEOUT);
    }
}
