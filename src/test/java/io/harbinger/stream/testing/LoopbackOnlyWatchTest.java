package io.harbinger.stream.testing;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

import static org.assertj.core.api.Assertions.assertThat;

/** The /proc address parsing of {@link LoopbackOnlyWatch}, and a watch over loopback traffic that stays quiet. */
class LoopbackOnlyWatchTest {

    @Test
    void readsProcNetAddressesInTheKernelsByteOrder() {
        assertThat(LoopbackOnlyWatch.isLoopbackOrUnbound("0100007F:1F90")).isTrue();          // 127.0.0.1:8080
        assertThat(LoopbackOnlyWatch.isLoopbackOrUnbound("0101007F:0035")).isTrue();          // 127.0.1.1:53
        assertThat(LoopbackOnlyWatch.isLoopbackOrUnbound("00000000:0000")).isTrue();          // not connected
        assertThat(LoopbackOnlyWatch.isLoopbackOrUnbound("FEA9FEA9:0050")).isFalse();         // 169.254.169.254:80
        assertThat(LoopbackOnlyWatch.isLoopbackOrUnbound("0100000A:01BB")).isFalse();         // 10.0.0.1:443
        assertThat(LoopbackOnlyWatch.isLoopbackOrUnbound("00000000000000000000000001000000:0050")).isTrue();  // ::1
        assertThat(LoopbackOnlyWatch.isLoopbackOrUnbound("00000000000000000000000000000000:0000")).isTrue();  // ::
        assertThat(LoopbackOnlyWatch.isLoopbackOrUnbound("0000000000000000FFFF00000100007F:0050")).isTrue();  // ::ffff:127.0.0.1
        assertThat(LoopbackOnlyWatch.isLoopbackOrUnbound("0000000000000000FFFF0000FEA9FEA9:0050")).isFalse(); // ::ffff:169.254.169.254
        assertThat(LoopbackOnlyWatch.isLoopbackOrUnbound("000080FE000000000000000001000000:0050")).isFalse(); // fe80::1
    }

    @Test
    void loopbackConnectionsAreNotReported() throws Exception {
        LoopbackOnlyWatch watch = LoopbackOnlyWatch.start();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket accepted = server.accept()) {
            client.getOutputStream().write(42);
            try (InputStream in = accepted.getInputStream()) {
                assertThat(in.read()).isEqualTo(42);
                Thread.sleep(50);
            }
        }
        long polls = watch.polls();
        assertThat(watch.stop()).isEmpty();
        assertThat(polls).isPositive();
    }
}
