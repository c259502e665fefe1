package io.harbinger.stream.toolkit;


import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The proxy's modes against an echo server: what a client sees in each, and the self-healing cut. */
class TcpProxyTest {
    private ServerSocket echo;
    private TcpProxy proxy;

    @BeforeEach
    void start() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getByName(Ports.HOST));
        Thread t = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread c = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException ignored) {
                            // client gone
                        }
                    });
                    c.setDaemon(true);
                    c.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        proxy = new TcpProxy("test", echo.getLocalPort());
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        echo.close();
    }

    private Socket connect(int readTimeoutMillis) throws IOException {
        Socket s = new Socket(Ports.HOST, proxy.port());
        s.setSoTimeout(readTimeoutMillis);
        return s;
    }

    private static int roundTrip(Socket s) throws IOException {
        s.getOutputStream().write(42);
        s.getOutputStream().flush();
        return s.getInputStream().read();
    }

    @Test
    void openForwardsBothWays() throws IOException {
        try (Socket s = connect(2_000)) {
            assertThat(roundTrip(s)).isEqualTo(42);
        }
    }

    @Test
    void slowDelaysEachChunkInEachDirectionButDeliversIt() throws IOException {
        proxy.setSlowDelay(Duration.ofMillis(300));
        proxy.setMode(TcpProxy.Mode.SLOW);
        try (Socket s = connect(5_000)) {
            long t0 = System.nanoTime();
            assertThat(roundTrip(s)).isEqualTo(42);
            assertThat((System.nanoTime() - t0) / 1_000_000).as("ms for one round trip, two delayed chunks")
                    .isGreaterThanOrEqualTo(600);
        }
    }

    @Test
    void refuseClosesNewConnections() throws IOException {
        proxy.setMode(TcpProxy.Mode.REFUSE);
        try (Socket s = connect(2_000)) {
            s.getOutputStream().write(42);
            assertThat(s.getInputStream().read()).as("end of stream on a refused connection").isEqualTo(-1);
        } catch (IOException reset) {
            // a reset instead of an orderly close is a refusal too
        }
    }

    @Test
    void cutStallsThenHealsByItself() throws Exception {
        try (Socket before = connect(300)) {
            assertThat(roundTrip(before)).isEqualTo(42);
            proxy.cutFor(TcpProxy.Mode.STALL, Duration.ofMillis(1_500));
            assertThat(proxy.mode()).isEqualTo(TcpProxy.Mode.STALL);
            assertThatThrownBy(() -> roundTrip(before)).as("no byte moves during the cut")
                    .isInstanceOf(SocketTimeoutException.class);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (proxy.mode() != TcpProxy.Mode.OPEN && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(proxy.mode()).as("healed without a call").isEqualTo(TcpProxy.Mode.OPEN);
        try (Socket after = connect(2_000)) {
            assertThat(roundTrip(after)).isEqualTo(42);
        }
    }

    @Test
    void anExplicitModeReplacesAPendingHeal() throws Exception {
        proxy.cutFor(TcpProxy.Mode.REFUSE, Duration.ofMillis(200));
        proxy.setMode(TcpProxy.Mode.STALL);
        Thread.sleep(600);
        assertThat(proxy.mode()).isEqualTo(TcpProxy.Mode.STALL);
    }
}
