package io.harbinger.stream.toolkit.services;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** kinesis-local installs idempotently, serves the Kinesis API on 127.0.0.1 only and stops by its PID. */
class KinesisLocalTest {
    @Test
    void startsOnLoopbackCreatesAMultiShardStreamAndStops() throws Exception {
        Path dir = Path.of("target", "kinesis-local");
        KinesisLocal kinesis = KinesisLocal.start(dir);
        long pid;
        int port;
        try {
            pid = kinesis.pid();
            port = Integer.parseInt(kinesis.endpoint().substring(kinesis.endpoint().lastIndexOf(':') + 1));
            kinesis.createStream("s", 3);
            assertThat(kinesis.shards("s")).hasSize(3);
            List<String> seq = kinesis.put("s", 2, List.of("k1", "k2"),
                    List.of("a".getBytes(StandardCharsets.UTF_8), "b".getBytes(StandardCharsets.UTF_8)));
            assertThat(seq).hasSize(2);
            assertThat(new java.math.BigInteger(seq.get(1))).isGreaterThan(new java.math.BigInteger(seq.get(0)));
            // Not reachable on any other local address than loopback.
            for (InetAddress address : InetAddress.getAllByName(InetAddress.getLocalHost().getHostName())) {
                if (!address.isLoopbackAddress()) {
                    assertThatThrownBy(() -> {
                        try (Socket s = new Socket()) {
                            s.connect(new InetSocketAddress(address, port), 500);
                        }
                    }).isInstanceOf(java.io.IOException.class);
                }
            }
            long before = System.nanoTime();
            KinesisLocal.install(dir); // already there: no npm run
            assertThat((System.nanoTime() - before) / 1_000_000).isLessThan(1_000);
        } finally {
            kinesis.close();
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }
}
