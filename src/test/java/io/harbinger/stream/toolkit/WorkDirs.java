package io.harbinger.stream.toolkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.stream.Stream;

/**
 * Temporary folders of the services, clusters and checkpoints that tests and the local run start. They are
 * deleted when the JVM exits (a fault campaign leaves about 300 MB), unless a test of that JVM failed (their
 * logs explain the failure) or {@code -Dharbinger.keep-work-dirs=true} keeps them anyway.
 */
public final class WorkDirs {
    public static final String KEEP_PROPERTY = "harbinger.keep-work-dirs";

    private static final Deque<Path> CREATED = new ConcurrentLinkedDeque<>();
    private static volatile String keptBecause;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(WorkDirs::deleteCreated, "delete-work-dirs"));
    }

    private WorkDirs() {}

    /** A new folder under java.io.tmpdir whose name starts with the prefix. */
    public static Path create(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            if (!Boolean.getBoolean(KEEP_PROPERTY)) {
                CREATED.push(dir);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary folder " + prefix + "* in "
                    + System.getProperty("java.io.tmpdir"), e);
        }
    }

    /** Keeps every folder of this JVM at exit, e.g. because a test failed and their logs say why. */
    public static void keepAtExit(String because) {
        keptBecause = because;
    }

    /** Deletes a folder and everything in it; a missing folder is fine. */
    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static void deleteCreated() {
        if (keptBecause != null) {
            if (!CREATED.isEmpty()) {
                System.err.println("Kept " + CREATED.size() + " work folders (" + keptBecause + "): " + CREATED);
            }
            return;
        }
        for (Path dir : CREATED) {
            try {
                deleteRecursively(dir);
            } catch (IOException | RuntimeException e) {
                // best effort at exit: a process that still writes there may race us
                System.err.println("Could not delete " + dir + ": " + e);
            }
        }
    }
}
