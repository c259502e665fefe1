package io.harbinger.stream.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Watches this JVM's own TCP and UDP sockets (Linux {@code /proc}) every few milliseconds and records every remote
 * address that is not loopback: a test that must stay on 127.0.0.1 (no AWS instance metadata at 169.254.169.254,
 * no STS, no DNS server elsewhere) asserts that {@link #stop()} returns nothing. Sockets are matched to this
 * process through the inodes of {@code /proc/self/fd}, so other processes of the machine do not count. A
 * connection shorter than the polling interval can slip through; a connect attempt to an address that does not
 * answer stays in SYN_SENT for far longer and is seen.
 */
public final class LoopbackOnlyWatch implements AutoCloseable {
    private static final long INTERVAL_MS = 5;
    private static final List<String> TABLES = List.of("tcp", "tcp6", "udp", "udp6");

    private final Set<String> offLoopback = new TreeSet<>();
    private final Thread thread;
    private volatile boolean running = true;
    private long polls;

    private LoopbackOnlyWatch() {
        thread = new Thread(this::run, "loopback-only-watch");
        thread.setDaemon(true);
    }

    /** Starts watching; fails when this system has no {@code /proc/self/net/tcp} to watch. */
    public static LoopbackOnlyWatch start() {
        if (!Files.isReadable(Path.of("/proc/self/net/tcp"))) {
            throw new IllegalStateException("/proc/self/net/tcp is not readable: the loopback check needs Linux");
        }
        LoopbackOnlyWatch watch = new LoopbackOnlyWatch();
        watch.poll();
        watch.thread.start();
        return watch;
    }

    /** Stops and returns every non-loopback remote address seen, as {@code table address:port state}. */
    public synchronized Set<String> stop() {
        running = false;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        poll();
        return new TreeSet<>(offLoopback);
    }

    /** How often the sockets were read (a watch that never ran proves nothing). */
    public synchronized long polls() {
        return polls;
    }

    @Override
    public void close() {
        stop();
    }

    private void run() {
        while (running) {
            poll();
            try {
                Thread.sleep(INTERVAL_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void poll() {
        Set<String> inodes = socketInodes();
        for (String table : TABLES) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of("/proc/self/net", table));
            } catch (IOException e) {
                continue; // e.g. no IPv6
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 10 || !inodes.contains(f[9])) continue;
                String remote = f[2];
                if (!isLoopbackOrUnbound(remote)) {
                    offLoopback.add(table + " " + describe(remote) + " state " + f[3]);
                }
            }
        }
        polls++;
    }

    private static Set<String> socketInodes() {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            fds.forEach(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // closed between listing and reading
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/fd", e);
        }
        return inodes;
    }

    /** {@code /proc/net} addresses: hex, each 32-bit word in host (little-endian) order, then :port. */
    static boolean isLoopbackOrUnbound(String hexAddressAndPort) {
        String hex = hexAddressAndPort.substring(0, hexAddressAndPort.indexOf(':'));
        byte[] ip = bytes(hex);
        boolean allZero = true;
        for (byte b : ip) allZero &= b == 0;
        if (allZero) return true; // not connected (listening, or an unconnected UDP socket)
        if (ip.length == 4) return (ip[0] & 0xff) == 127;
        boolean v4Mapped = true;
        for (int i = 0; i < 10; i++) v4Mapped &= ip[i] == 0;
        v4Mapped &= (ip[10] & 0xff) == 0xff && (ip[11] & 0xff) == 0xff;
        if (v4Mapped) return (ip[12] & 0xff) == 127;
        for (int i = 0; i < 15; i++) {
            if (ip[i] != 0) return false;
        }
        return ip[15] == 1; // ::1
    }

    private static byte[] bytes(String hex) {
        byte[] out = new byte[hex.length() / 2];
        for (int word = 0; word < out.length / 4; word++) {
            for (int b = 0; b < 4; b++) {
                int at = (word * 4 + (3 - b)) * 2;
                out[word * 4 + b] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        return out;
    }

    private static String describe(String hexAddressAndPort) {
        int colon = hexAddressAndPort.indexOf(':');
        byte[] ip = bytes(hexAddressAndPort.substring(0, colon));
        StringBuilder s = new StringBuilder();
        if (ip.length == 4) {
            for (int i = 0; i < 4; i++) s.append(i == 0 ? "" : ".").append(ip[i] & 0xff);
        } else {
            for (int i = 0; i < 16; i += 2) s.append(i == 0 ? "" : ":").append(Integer.toHexString(((ip[i] & 0xff) << 8) | (ip[i + 1] & 0xff)));
        }
        return s.append(':').append(Integer.parseInt(hexAddressAndPort.substring(colon + 1), 16)).toString();
    }
}
