package io.harbinger.stream.registry;

import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.config.JobConfig.RegistrySettings;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfigLoader;
import io.harbinger.stream.config.Secret;
import io.harbinger.stream.toolkit.services.LocalSchemaRegistry;
import io.harbinger.stream.toolkit.services.TlsMaterial;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The registry client over HTTPS against the real in-JVM registry with a certificate made by keytool: trust
 * store and basic auth from the job config (password from a file), mutual TLS, and the errors an operator
 * sees when trust, client certificate or credentials are wrong.
 */
class SchemaRegistryClientTlsTest {
    @TempDir
    static Path dir;
    private static TlsMaterial tls;

    @BeforeAll
    static void makeCertificates() throws Exception {
        tls = TlsMaterial.create(dir, "store-pw-123");
    }

    @Test
    void httpsWithTheConfiguredTrustStoreAndBasicAuthFromTheJobConfig() throws Exception {
        try (LocalSchemaRegistry registry = LocalSchemaRegistry.startHttps(tls.serverKeystore, tls.password, null,
                null, "harbinger", "reg-pw")) {
            assertThat(registry.url()).startsWith("https://127.0.0.1:");
            Path passwordFile = Files.writeString(dir.resolve("registry-password"), "reg-pw\n");
            String yaml = Files.readString(Path.of("jobs-config/local.yaml"));
            JobConfig config = new JobConfigLoader(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9",
                    "SCHEMA_REGISTRY_URL", "http://unused", "POSTGRES_JDBC_URL", "jdbc:postgresql://127.0.0.1:9/x",
                    "POSTGRES_USER", "u", "POSTGRES_PASSWORD", "p", "CHECKPOINT_DIR", "file:///tmp/unused")).parse(yaml, "local.yaml", List.of(
                    "registry.url=" + registry.url(), "registry.username=harbinger",
                    "registry.password=${file:" + passwordFile + "}",
                    "registry.truststore-path=" + tls.serverTruststore,
                    "registry.truststore-password=${TRUST_PW:-" + tls.password + "}"));
            assertThat(config.registry().toString()).doesNotContain("reg-pw").doesNotContain(tls.password);
            SchemaRegistryClient client = new SchemaRegistryClient(config.registry());

            int id = client.register("events-value", GeopoliticalEvent.getClassSchema());
            assertThat(new SchemaRegistryClient(config.registry()).schemaById(id))
                    .isEqualTo(GeopoliticalEvent.getClassSchema());

            // the wrong password is refused at once, not retried
            RegistrySettings wrong = withStores(config.registry(), Optional.of(new Secret("nope")),
                    config.registry().truststorePath(), config.registry().truststorePassword(), Optional.empty(),
                    Optional.empty());
            assertThatThrownBy(() -> new SchemaRegistryClient(wrong).schemaById(id))
                    .isInstanceOf(SchemaRegistryException.class)
                    .hasMessageContaining("rejected the credentials (HTTP 401)");
        }
    }

    @Test
    void withoutTheTrustStoreTheCertificateIsNotTrusted() {
        try (LocalSchemaRegistry registry = LocalSchemaRegistry.startHttps(tls.serverKeystore, tls.password, null,
                null, null, null)) {
            SchemaRegistryClient client = new SchemaRegistryClient(new RegistrySettings(registry.url(),
                    Optional.empty(), Optional.empty(), 10, Duration.ofSeconds(5), 0, Duration.ofMillis(10), Duration.ofMinutes(1)));
            assertThatThrownBy(() -> client.schemaById(1))
                    .isInstanceOf(RegistryUnavailableException.class)
                    .hasMessageContaining(registry.url());
        }
    }

    @Test
    void mutualTlsNeedsTheClientKeyStore() throws Exception {
        try (LocalSchemaRegistry registry = LocalSchemaRegistry.startHttps(tls.serverKeystore, tls.password,
                tls.clientTruststore, tls.password, null, null)) {
            int id = registry.register("s-value", GeopoliticalEvent.getClassSchema());
            Optional<String> trust = Optional.of(tls.serverTruststore.toString());
            Optional<Secret> pw = Optional.of(new Secret(tls.password));
            RegistrySettings base = new RegistrySettings(registry.url(), Optional.empty(), Optional.empty(), 10,
                    Duration.ofSeconds(5), 0, Duration.ofMillis(10), Duration.ofMinutes(1));

            RegistrySettings mtls = withStores(base, Optional.empty(), trust, pw,
                    Optional.of(tls.clientKeystore.toString()), pw);
            assertThat(new SchemaRegistryClient(mtls).schemaById(id)).isEqualTo(GeopoliticalEvent.getClassSchema());

            RegistrySettings noClientCert = withStores(base, Optional.empty(), trust, pw, Optional.empty(),
                    Optional.empty());
            assertThatThrownBy(() -> new SchemaRegistryClient(noClientCert).schemaById(id))
                    .isInstanceOf(RegistryUnavailableException.class);

            RegistrySettings wrongStorePassword = withStores(base, Optional.empty(), trust,
                    Optional.of(new Secret("wrong")), Optional.empty(), Optional.empty());
            assertThatThrownBy(() -> new SchemaRegistryClient(wrongStorePassword).schemaById(id))
                    .isInstanceOf(SchemaRegistryException.class)
                    .hasMessageContaining("registry.truststore-path: cannot load " + tls.serverTruststore)
                    .hasMessageNotContaining("wrong\"");
        }
    }

    private static RegistrySettings withStores(RegistrySettings s, Optional<Secret> password, Optional<String> trust,
                                               Optional<Secret> trustPw, Optional<String> keys, Optional<Secret> keysPw) {
        return new RegistrySettings(s.url(), s.username().or(() -> Optional.of("harbinger")).filter(u -> password.isPresent() || s.password().isPresent()),
                password.isPresent() ? password : s.password(), s.cacheSize(), s.requestTimeout(), 0,
                s.retryBackoff(), s.unknownIdCache(), trust, trustPw, keys, keysPw);
    }
}
