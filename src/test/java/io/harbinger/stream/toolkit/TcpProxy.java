package io.harbinger.stream.toolkit;


import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A TCP forwarder on a free 127.0.0.1 port in front of one service, to make that service unreachable without
 * stopping it (an in-memory service would lose its data on a restart).
 *
 * <ul>
 *   <li>{@link Mode#OPEN}: bytes flow both ways.</li>
 *   <li>{@link Mode#REFUSE}: open connections are cut and new ones closed at once (a service that is down).</li>
 *   <li>{@link Mode#STALL}: connections are accepted, but no byte moves either way (a hung service or a
 *       network partition); going back to OPEN cuts the stalled connections so clients reconnect.</li>
 * </ul>
 */
public final class TcpProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpProxy.class);

    public enum Mode { OPEN, REFUSE, STALL, SLOW }

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService healer;
    private ScheduledFuture<?> pendingHeal;
    private volatile Mode mode = Mode.OPEN;
    private volatile long slowDelayMillis = 200;
    private volatile boolean closed;

    public TcpProxy(String name, int targetPort) {
        try {
            server = new ServerSocket(0, 50, InetAddress.getByName(Ports.HOST));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open a proxy port", e);
        }
        target = new InetSocketAddress(Ports.HOST, targetPort);
        healer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tcp-proxy-heal-" + name);
            t.setDaemon(true);
            return t;
        });
        Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-" + name);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public Mode mode() {
        return mode;
    }

    /** How long each chunk waits in {@link Mode#SLOW}, per direction. */
    public Duration slowDelay() {
        return Duration.ofMillis(slowDelayMillis);
    }

    public void setSlowDelay(Duration delay) {
        slowDelayMillis = delay.toMillis();
    }

    /**
     * Sets {@code cut} now and OPEN again after {@code duration}, without the caller's help; a later
     * {@link #setMode} or {@code cutFor} replaces the pending heal.
     */
    public synchronized void cutFor(Mode cut, Duration duration) {
        setMode(cut);
        pendingHeal = healer.schedule(() -> setMode(Mode.OPEN), duration.toMillis(), TimeUnit.MILLISECONDS);
    }

    public synchronized void setMode(Mode newMode) {
        if (pendingHeal != null) {
            pendingHeal.cancel(false);
            pendingHeal = null;
        }
        Mode old = mode;
        mode = newMode;
        if (newMode == Mode.REFUSE || (old == Mode.STALL && newMode == Mode.OPEN)) {
            cutAll();
        }
        LOG.info("proxy :{} -> :{} now {}", port(), target.getPort(), newMode);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("proxy :{} accept failed", port(), e);
                }
                return;
            }
            Mode m = mode;
            if (m == Mode.REFUSE) {
                closeQuietly(client);
                continue;
            }
            sockets.add(client);
            if (m == Mode.STALL) {
                continue; // held open, never read: the client waits for its own timeout
            }
            try {
                Socket upstream = new Socket();
                upstream.connect(target, 5_000);
                sockets.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    while (mode == Mode.STALL && !from.isClosed()) {
                        ManagedProcess.sleep(20); // bytes in flight wait too
                    }
                    if (mode == Mode.SLOW) {
                        ManagedProcess.sleep(slowDelayMillis);
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException | IllegalStateException ignored) {
                // one side closed
            } finally {
                sockets.remove(from);
                sockets.remove(to);
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "tcp-proxy-pump-" + port());
        t.setDaemon(true);
        t.start();
    }

    private void cutAll() {
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        healer.shutdownNow();
        try {
            server.close();
        } catch (IOException ignored) {
            // best effort
        }
        cutAll();
    }
}
