package io.harbinger.stream.registry;

import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.config.JobConfig.RegistrySettings;
import io.harbinger.stream.config.Secret;
import io.harbinger.stream.toolkit.services.LocalSchemaRegistry;

import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static io.harbinger.stream.testing.AvroSchemas.parseFile;
import static io.harbinger.stream.testing.AvroSchemas.withField;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@link SchemaRegistryClient} against the real in-JVM {@link LocalSchemaRegistry}: idempotent registration,
 * the schema cache and the negative cache, the registry refusing an incompatible schema (409), basic auth
 * (and that a 401 is not retried), and retries during an outage.
 */
class SchemaRegistryClientTest {
    private static final String SUBJECT = "geopolitical-events-value";
    private static final Schema V1 = parseFile("schemas/avro/history/GeopoliticalEvent.v1.avsc");
    private static final Schema V2 = GeopoliticalEvent.getClassSchema();
    /** v2 plus a required field without a default: v3 cannot read v2 data, so BACKWARD refuses it. */
    private static final Schema V3_REQUIRED_FIELD = withField(V2,
            "{\"name\":\"confidence\",\"type\":\"double\"}");
    /** v2 plus an optional field with a default: BACKWARD compatible. */
    private static final Schema V3_OPTIONAL_FIELD = withField(V2,
            "{\"name\":\"confidence\",\"type\":[\"null\",\"double\"],\"default\":null}");

    private LocalSchemaRegistry registry;

    @BeforeEach
    void start() {
        registry = LocalSchemaRegistry.start();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void registeringTheSameSchemaTwiceGivesTheSameId() throws Exception {
        SchemaRegistryClient client = client(registry, 2);
        int first = client.register(SUBJECT, V2);
        int second = client.register(SUBJECT, V2);
        assertThat(second).isEqualTo(first);
        assertThat(registry.schemaById(first)).isEqualTo(V2);
        // a schema registered through the client is already in its cache
        long fetches = registry.schemaByIdRequests();
        assertThat(client.schemaById(first)).isEqualTo(V2);
        assertThat(registry.schemaByIdRequests()).isEqualTo(fetches);
    }

    @Test
    void schemaByIdIsCached() throws Exception {
        int id = registry.register(SUBJECT, V2);
        SchemaRegistryClient client = client(registry, 2);

        assertThat(client.schemaById(id)).isEqualTo(V2);
        assertThat(registry.schemaByIdRequests()).isEqualTo(1);
        assertThat(client.requestCount()).isEqualTo(1);
        assertThat(client.cacheHitCount()).isZero();

        assertThat(client.schemaById(id)).isEqualTo(V2);
        assertThat(client.schemaById(id)).isEqualTo(V2);
        assertThat(registry.schemaByIdRequests()).isEqualTo(1);
        assertThat(client.requestCount()).isEqualTo(1);
        assertThat(client.cacheHitCount()).isEqualTo(2);
    }

    @Test
    void theCacheIsBoundedByCacheSize() throws Exception {
        int v1 = registry.register("a-value", V1);
        int v2 = registry.register("b-value", V2);
        SchemaRegistryClient client = new SchemaRegistryClient(new RegistrySettings(registry.url(), Optional.empty(),
                Optional.empty(), 1, Duration.ofSeconds(5), 0, Duration.ofMillis(10), Duration.ofMinutes(1)));

        client.schemaById(v1);
        client.schemaById(v2); // evicts v1
        client.schemaById(v2);
        client.schemaById(v1);
        assertThat(registry.schemaByIdRequests()).isEqualTo(3);
        assertThat(client.cacheHitCount()).isEqualTo(1);
    }

    @Test
    void theRegistryRejectsAnIncompatibleChange() throws Exception {
        SchemaRegistryClient client = client(registry, 2);
        // the real history: v1, then v2 (adds OTHER with an enum default and optional fields), under BACKWARD
        int v1 = client.register(SUBJECT, V1);
        int v2 = client.register(SUBJECT, V2);
        assertThat(v2).isNotEqualTo(v1);

        SchemaRegistryException e = catchThrowableOfType(() -> client.register(SUBJECT, V3_REQUIRED_FIELD),
                SchemaRegistryException.class);
        assertThat(e).isNotNull();
        assertThat(e.httpStatus()).isEqualTo(409);
        assertThat(e.errorCode()).isEqualTo(409);
        assertThat(e.getMessage())
                .contains("refused to register a schema under subject " + SUBJECT)
                .contains("HTTP 409")
                .contains("incompatible")
                .contains("confidence");
        // a refusal is final: no retries
        assertThat(registry.registerRequests()).isEqualTo(3);

        // the compatible way to add the field is accepted
        assertThat(client.register(SUBJECT, V3_OPTIONAL_FIELD)).isNotIn(v1, v2);
    }

    @Test
    void basicAuthWithTheRightCredentials() throws Exception {
        try (LocalSchemaRegistry secured = LocalSchemaRegistry.start("harbinger", "s3cret")) {
            SchemaRegistryClient client = new SchemaRegistryClient(settings(secured.url(),
                    Optional.of("harbinger"), Optional.of(new Secret("s3cret")), 2));
            int id = client.register(SUBJECT, V2);
            SchemaRegistryClient reader = new SchemaRegistryClient(settings(secured.url(),
                    Optional.of("harbinger"), Optional.of(new Secret("s3cret")), 2));
            assertThat(reader.schemaById(id)).isEqualTo(V2);
            assertThat(secured.unauthorizedResponses()).isZero();
        }
    }

    @Test
    void basicAuthWithWrongCredentialsFailsClearlyAndIsNotRetried() {
        try (LocalSchemaRegistry secured = LocalSchemaRegistry.start("harbinger", "s3cret")) {
            int id = secured.register(SUBJECT, V2);
            SchemaRegistryClient client = new SchemaRegistryClient(settings(secured.url(),
                    Optional.of("harbinger"), Optional.of(new Secret("wrong-password")), 3));

            SchemaRegistryException e = catchThrowableOfType(() -> client.schemaById(id),
                    SchemaRegistryException.class);
            assertThat(e).isNotNull();
            assertThat(e.httpStatus()).isEqualTo(401);
            assertThat(e.getMessage())
                    .contains("rejected the credentials (HTTP 401)")
                    .contains("registry.username")
                    .contains("registry.password")
                    .doesNotContain("wrong-password");
            assertThat(secured.unauthorizedResponses()).isEqualTo(1);
            assertThat(client.requestCount()).isEqualTo(1);

            // the same for a client without any credentials, and for register
            SchemaRegistryClient anonymous = new SchemaRegistryClient(settings(secured.url(),
                    Optional.empty(), Optional.empty(), 3));
            assertThatThrownBy(() -> anonymous.register(SUBJECT, V2))
                    .isInstanceOf(SchemaRegistryException.class)
                    .hasMessageContaining("registry.username");
            assertThat(secured.unauthorizedResponses()).isEqualTo(2);
        }
    }

    @Test
    void anOutageIsRetriedMaxRetriesTimesThenReported() throws Exception {
        int id = registry.register(SUBJECT, V2);
        SchemaRegistryClient client = client(registry, 3);
        registry.setAvailable(false);

        assertThatThrownBy(() -> client.schemaById(id))
                .isInstanceOf(RegistryUnavailableException.class)
                .hasMessageContaining("unavailable after 4 attempts")
                .hasMessageContaining("HTTP 503");
        assertThat(registry.unavailableResponses()).isEqualTo(4);
        assertThat(client.requestCount()).isEqualTo(4);

        assertThatThrownBy(() -> client.register(SUBJECT, V2))
                .isInstanceOf(RegistryUnavailableException.class)
                .hasMessageContaining("unavailable after 4 attempts");
        assertThat(registry.unavailableResponses()).isEqualTo(8);

        // nothing bad was cached: once the registry is back, the same client works
        registry.setAvailable(true);
        assertThat(client.schemaById(id)).isEqualTo(V2);
    }

    @Test
    void noRetriesMeansOneAttempt() {
        SchemaRegistryClient client = client(registry, 0);
        registry.setAvailable(false);
        assertThatThrownBy(() -> client.schemaById(1))
                .isInstanceOf(RegistryUnavailableException.class)
                .hasMessageContaining("unavailable after 1 attempts");
        assertThat(registry.unavailableResponses()).isEqualTo(1);
    }

    @Test
    void aRegistryThatIsNotListeningIsUnavailableToo() {
        LocalSchemaRegistry gone = LocalSchemaRegistry.start();
        String url = gone.url();
        gone.close();
        SchemaRegistryClient client = new SchemaRegistryClient(settings(url, Optional.empty(), Optional.empty(), 1));

        assertThatThrownBy(() -> client.schemaById(1))
                .isInstanceOf(RegistryUnavailableException.class)
                .hasMessageContaining(url)
                .hasMessageContaining("unavailable after 2 attempts");
        assertThat(client.requestCount()).isEqualTo(2);
    }

    @Test
    void anUnknownIdIsNotFoundAndNegativelyCached() throws Exception {
        registry.register(SUBJECT, V2);
        SchemaRegistryClient client = client(registry, 3);

        assertThatThrownBy(() -> client.schemaById(42))
                .isInstanceOf(SchemaNotFoundException.class)
                .hasMessage("schema id 42 is not known to the registry at " + registry.url());
        assertThat(registry.schemaByIdRequests()).isEqualTo(1);
        assertThat(client.requestCount()).isEqualTo(1); // a 404 is an answer, not a failure: no retries

        assertThatThrownBy(() -> client.schemaById(42)).isInstanceOf(SchemaNotFoundException.class);
        assertThat(registry.schemaByIdRequests()).isEqualTo(1);
        assertThat(client.cacheHitCount()).isEqualTo(1);

        // the negative cache survives an outage as well: a known-missing id is still a bad record
        registry.setAvailable(false);
        assertThatThrownBy(() -> client.schemaById(42)).isInstanceOf(SchemaNotFoundException.class);
        assertThat(registry.unavailableResponses()).isZero();
    }

    @Test
    void survivesJavaSerializationAsFlinkShipsIt() throws Exception {
        int id = registry.register(SUBJECT, V2);
        SchemaRegistryClient original = client(registry, 1);
        original.schemaById(id); // initialises the transient HTTP client and caches

        SchemaRegistryClient copy = roundTrip(original);
        assertThat(copy.url()).isEqualTo(registry.url());
        assertThat(copy.schemaById(id)).isEqualTo(V2);
        assertThat(copy.requestCount()).isEqualTo(1); // fresh counters and cache on the other side
    }

    @Test
    void aUrlWithATrailingSlashWorks() throws Exception {
        int id = registry.register(SUBJECT, V2);
        SchemaRegistryClient client = new SchemaRegistryClient(settings(registry.url() + "/", Optional.empty(),
                Optional.empty(), 0));
        assertThat(client.schemaById(id)).isEqualTo(V2);
    }

    // ---------------------------------------------------------------------------------------------

    private static SchemaRegistryClient client(LocalSchemaRegistry registry, int maxRetries) {
        return new SchemaRegistryClient(settings(registry.url(), Optional.empty(), Optional.empty(), maxRetries));
    }

    private static RegistrySettings settings(String url, Optional<String> user, Optional<Secret> password,
                                             int maxRetries) {
        return new RegistrySettings(url, user, password, 100, Duration.ofSeconds(5), maxRetries,
                Duration.ofMillis(10), Duration.ofMinutes(1));
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T object) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(object);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    /** The schema with one more field (JSON) at the end of its field list. */}
