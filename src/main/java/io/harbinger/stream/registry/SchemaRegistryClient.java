package io.harbinger.stream.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.harbinger.stream.config.JobConfig.RegistrySettings;
import io.harbinger.stream.config.Secret;

import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.Serializable;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A small client for the subset of the Confluent Schema Registry REST API this job needs, with a bounded
 * cache of schemas by id, basic auth, and retries with exponential backoff for failures of the registry
 * itself (connection errors, 5xx, 429). TLS trusts registry.truststore-path when given, else the JVM's trust
 * store; registry.keystore-path adds a client certificate (mutual TLS).
 *
 * <p>Serializable so that operators can carry it; the HTTP client and caches are created on first use.
 */
public class SchemaRegistryClient implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryClient.class);
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Confluent's error code for an unknown schema id. */
    private static final int SCHEMA_NOT_FOUND = 40403;

    /** Copied out of the config record: its Optional fields are not serializable. */
    private final String url;
    private final String username;
    private final Secret password;
    private final int cacheSize;
    private final Duration requestTimeout;
    private final int maxRetries;
    private final Duration retryBackoff;
    /** How long an unknown id is answered from memory: spares the registry a flood of junk ids. */
    private final long unknownIdCacheMillis;
    private final String truststorePath;
    private final Secret truststorePassword;
    private final String keystorePath;
    private final Secret keystorePassword;
    private transient HttpClient http;
    private transient Map<Integer, Schema> schemasById;
    private transient Map<Integer, Long> notFoundSince;
    private transient long requests;
    private transient long cacheHits;

    public SchemaRegistryClient(RegistrySettings settings) {
        this.url = settings.url();
        this.username = settings.username().orElse(null);
        this.password = settings.password().orElse(null);
        this.cacheSize = settings.cacheSize();
        this.requestTimeout = settings.requestTimeout();
        this.maxRetries = settings.maxRetries();
        this.retryBackoff = settings.retryBackoff();
        this.unknownIdCacheMillis = settings.unknownIdCache().toMillis();
        this.truststorePath = settings.truststorePath().orElse(null);
        this.truststorePassword = settings.truststorePassword().orElse(null);
        this.keystorePath = settings.keystorePath().orElse(null);
        this.keystorePassword = settings.keystorePassword().orElse(null);
    }

    public String url() {
        return url;
    }

    /** Requests sent to the registry and answers served from the cache, for metrics. */
    public synchronized long requestCount() {
        return requests;
    }

    public synchronized long cacheHitCount() {
        return cacheHits;
    }

    /** The writer schema registered under this id. */
    public synchronized Schema schemaById(int id) throws SchemaNotFoundException, RegistryUnavailableException {
        init();
        Schema cached = schemasById.get(id);
        if (cached != null) {
            cacheHits++;
            return cached;
        }
        Long missingSince = notFoundSince.get(id);
        if (missingSince != null && System.currentTimeMillis() - missingSince < unknownIdCacheMillis) {
            cacheHits++;
            throw notFound(id);
        }
        Response r = send("GET", "/schemas/ids/" + id, null);
        // Only the registry's own "schema not found" blames the record; any other 404 (a wrong URL path)
        // would dead-letter every record, so it is the deployment's error.
        if (r.status == 404 && r.body.path("error_code").asInt() == SCHEMA_NOT_FOUND) {
            notFoundSince.put(id, System.currentTimeMillis());
            throw notFound(id);
        }
        requireOk(r, "fetch schema id " + id);
        Schema schema;
        try {
            schema = new Schema.Parser().parse(r.body.path("schema").asText());
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException("registry " + url + " returned an unparseable schema for id "
                    + id + ": " + e.getMessage(), r.status, 0);
        }
        schemasById.put(id, schema);
        notFoundSince.remove(id);
        return schema;
    }

    /** Registers the schema under the subject (or finds it already there) and returns its id. */
    public synchronized int register(String subject, Schema schema) throws RegistryUnavailableException {
        init();
        Response r = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
        requireOk(r, "register a schema under subject " + subject);
        int id = r.body.path("id").asInt();
        schemasById.put(id, schema);
        return id;
    }

    private SchemaNotFoundException notFound(int id) {
        return new SchemaNotFoundException("schema id " + id + " is not known to the registry at " + url);
    }

    private static String schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schema", schema.toString()).toString();
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private void requireOk(Response r, String what) {
        if (r.status / 100 != 2) {
            throw new SchemaRegistryException("registry " + url + " refused to " + what + ": HTTP "
                    + r.status + " " + r.body.path("message").asText(r.body.toString()),
                    r.status, r.body.path("error_code").asInt(0));
        }
    }

    /** Sends with retries: connection failures, 5xx and 429 are the registry's trouble, not the caller's. */
    private Response send(String method, String path, String body) throws RegistryUnavailableException {
        URI uri = URI.create(stripSlash(url) + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Accept", CONTENT_TYPE);
        if (body != null) {
            request.header("Content-Type", CONTENT_TYPE);
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        basicAuth().ifPresent(auth -> request.header("Authorization", auth));

        Exception last = null;
        long backoff = retryBackoff.toMillis();
        for (int attempt = 0; attempt <= maxRetries; attempt++) {
            if (attempt > 0) {
                LOG.warn("Schema registry {} {} failed ({}); retry {}/{} in {} ms", method, uri,
                        last.getMessage(), attempt, maxRetries, backoff);
                sleep(backoff);
                backoff = Math.min(backoff * 2, 30_000);
            }
            try {
                requests++;
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() >= 500 || response.statusCode() == 429) {
                    last = new IOException("HTTP " + response.statusCode() + " " + abbreviate(response.body()));
                    continue;
                }
                if (response.statusCode() == 401 || response.statusCode() == 403) {
                    throw new SchemaRegistryException("registry " + url + " rejected the credentials (HTTP "
                            + response.statusCode() + "); check registry.username and registry.password",
                            response.statusCode(), 0);
                }
                return new Response(response.statusCode(), parse(response.body()));
            } catch (IOException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryUnavailableException("interrupted while calling the registry at " + uri, e);
            }
        }
        throw new RegistryUnavailableException("schema registry " + uri + " unavailable after "
                + (maxRetries + 1) + " attempts: " + last.getMessage(), last);
    }

    private Optional<String> basicAuth() {
        if (username == null || password == null) {
            return Optional.empty();
        }
        String token = username + ":" + password.reveal();
        return Optional.of("Basic " + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8)));
    }

    private void init() {
        if (http == null) {
            HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(requestTimeout);
            if (truststorePath != null || keystorePath != null) {
                builder.sslContext(sslContext());
            }
            http = builder.build();
            int capacity = cacheSize;
            schemasById = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Integer, Schema> eldest) {
                    return size() > capacity;
                }
            });
            notFoundSince = new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Integer, Long> eldest) {
                    return size() > capacity;
                }
            };
        }
    }

    /** An SSLContext from the configured stores; a store that cannot be loaded is a deployment error. */
    private SSLContext sslContext() {
        try {
            TrustManager[] trust = null;
            if (truststorePath != null) {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(loadStore(truststorePath, truststorePassword, "registry.truststore-path"));
                trust = tmf.getTrustManagers();
            }
            KeyManager[] keys = null;
            if (keystorePath != null) {
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(loadStore(keystorePath, keystorePassword, "registry.keystore-path"), chars(keystorePassword));
                keys = kmf.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new SchemaRegistryException("cannot set up TLS to the registry " + url + ": "
                    + e.getClass().getSimpleName() + ": " + e.getMessage(), 0, 0);
        }
    }

    private static KeyStore loadStore(String path, Secret password, String key) {
        try {
            // PKCS12 or JKS, whichever the file is
            return KeyStore.getInstance(new File(path), chars(password));
        } catch (IOException | GeneralSecurityException e) {
            // an IOException here is most often a wrong password; never include the password itself
            throw new SchemaRegistryException(key + ": cannot load " + path + " (wrong password, or not a PKCS12/JKS"
                    + " store): " + e.getClass().getSimpleName(), 0, 0);
        }
    }

    private static char[] chars(Secret secret) {
        return secret == null ? null : secret.reveal().toCharArray();
    }

    private static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode().put("message", abbreviate(body));
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static void sleep(long millis) throws RegistryUnavailableException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryUnavailableException("interrupted while waiting to retry the registry", e);
        }
    }

    private static final class Response {
        private final int status;
        private final JsonNode body;

        public Response(int status, JsonNode body) {
            this.status = status;
            this.body = body;
        }

        public int status() {
            return status;
        }

        public JsonNode body() {
            return body;
        }
    }
}
