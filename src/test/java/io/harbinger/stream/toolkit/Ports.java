package io.harbinger.stream.toolkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Ports on 127.0.0.1, the only address anything the toolkit starts binds to: free ones for a service to bind,
 * and whether a service accepts connections yet.
 */
public final class Ports {
    public static final String HOST = "127.0.0.1";

    private Ports() {}

    /** One free port on 127.0.0.1. */
    public static int free() {
        return free(1)[0];
    }

    /** {@code n} distinct free ports on 127.0.0.1 (free when asked: a service that loses one to a race retries). */
    public static int[] free(int n) {
        // hold all sockets open together so the n ports differ
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            InetAddress lo = InetAddress.getByName(HOST);
            for (int i = 0; i < n; i++) {
                sockets.add(new ServerSocket(0, 1, lo));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find a free port on " + HOST, e);
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    /** True when a TCP connection to 127.0.0.1:port succeeds within 200 ms. */
    public static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
