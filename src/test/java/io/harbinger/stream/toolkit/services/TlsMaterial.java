package io.harbinger.stream.toolkit.services;

import io.harbinger.stream.toolkit.ManagedProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Keys and certificates made for one test with the JDK's {@code keytool}: a self-signed server certificate for
 * 127.0.0.1 (PKCS12 key store) and a trust store holding it; the same for a client, for mutual TLS.
 */
public final class TlsMaterial {
    public final Path serverKeystore;
    public final Path serverTruststore;
    public final Path clientKeystore;
    public final Path clientTruststore;
    public final String password;

    private TlsMaterial(Path dir, String password) {
        this.serverKeystore = dir.resolve("server.p12");
        this.serverTruststore = dir.resolve("trusts-server.p12");
        this.clientKeystore = dir.resolve("client.p12");
        this.clientTruststore = dir.resolve("trusts-client.p12");
        this.password = password;
    }

    public static TlsMaterial create(Path folder, String password) throws IOException, InterruptedException {
        Path dir = folder.toAbsolutePath(); // keytool runs in it
        TlsMaterial m = new TlsMaterial(dir, password);
        m.pair("server", m.serverKeystore, m.serverTruststore, dir);
        m.pair("client", m.clientKeystore, m.clientTruststore, dir);
        return m;
    }

    private void pair(String alias, Path keystore, Path truststore, Path dir) {
        Path cert = dir.resolve(alias + ".crt");
        keytool(dir, "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=127.0.0.1, O=Harbinger test " + alias, "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", password, "-keypass", password);
        keytool(dir, "-exportcert", "-rfc", "-alias", alias, "-keystore", keystore.toString(), "-storepass", password,
                "-file", cert.toString());
        keytool(dir, "-importcert", "-noprompt", "-alias", alias, "-file", cert.toString(), "-storetype", "PKCS12",
                "-keystore", truststore.toString(), "-storepass", password);
    }

    private static void keytool(Path dir, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        ManagedProcess.builder("keytool " + args[0], cmd).workDir(dir).output(dir.resolve("keytool.out"))
                .run(Duration.ofSeconds(60));
    }

    public static boolean exists(Path p) {
        return Files.isRegularFile(p);
    }
}
