package io.harbinger.stream.toolkit.services;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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

    public static TlsMaterial create(Path dir, String password) throws IOException, InterruptedException {
        TlsMaterial m = new TlsMaterial(dir, password);
        m.pair("server", m.serverKeystore, m.serverTruststore, dir);
        m.pair("client", m.clientKeystore, m.clientTruststore, dir);
        return m;
    }

    private void pair(String alias, Path keystore, Path truststore, Path dir) throws IOException, InterruptedException {
        Path cert = dir.resolve(alias + ".crt");
        keytool("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=127.0.0.1, O=Harbinger test " + alias, "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", password, "-keypass", password);
        keytool("-exportcert", "-rfc", "-alias", alias, "-keystore", keystore.toString(), "-storepass", password,
                "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", alias, "-file", cert.toString(), "-storetype", "PKCS12",
                "-keystore", truststore.toString(), "-storepass", password);
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("keytool " + args[0] + " failed: " + out);
        }
    }

    public static boolean exists(Path p) {
        return Files.isRegularFile(p);
    }
}
