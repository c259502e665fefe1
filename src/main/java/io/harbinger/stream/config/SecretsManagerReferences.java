package io.harbinger.stream.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves {@code ${secretsmanager:ARN}} (the whole SecretString) and {@code ${secretsmanager:ARN#key}} (one key
 * of a JSON SecretString, as RDS secrets hold {@code username} and {@code password}) with AWS Secrets Manager
 * {@code GetSecretValue}, while a config is loaded.
 *
 * <p>Each secret is fetched once per load however often it is referenced. The region is the ARN's; credentials
 * come from the SDK's default provider chain (on Managed Service for Apache Flink the service execution role);
 * the endpoint is the SDK's default for the region unless overridden the SDK's standard way (system property
 * {@code aws.endpointUrlSecretsManager} or environment variable {@code AWS_ENDPOINT_URL_SECRETS_MANAGER}).
 * Connection and read timeouts, attempts and a bound on the whole call keep an unreachable endpoint from
 * hanging the start-up.
 *
 * <p>A problem names the config key and the reference, and never a secret value: not in the problem, not in a
 * log line (the one INFO line per secret names its ARN and version).
 */
final class SecretsManagerReferences implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SecretsManagerReferences.class);

    /** arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME (NAME with or without its 6-character suffix). */
    private static final Pattern ARN = Pattern.compile(
            "arn:aws[a-z-]*:secretsmanager:([a-z]{2}(?:-[a-z]+)+-[0-9]+):[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ENDPOINT_PROPERTY = "aws.endpointUrlSecretsManager";
    private static final String ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_SECRETS_MANAGER";

    private final Limits limits;
    private final Map<String, SecretsManagerClient> clients = new HashMap<>();
    private final Map<String, Fetched> secrets = new HashMap<>();

    SecretsManagerReferences(Limits limits) {
        this.limits = limits;
    }

    /**
     * The value that {@code ${secretsmanager:reference}} stands for in the value of {@code key}; on any problem,
     * the problem is added to {@code problems} and the result is empty.
     */
    String resolve(String reference, String key, List<String> problems) {
        String from = "(from ${secretsmanager:" + reference + "})";
        int hash = reference.indexOf('#');
        String arn = (hash < 0 ? reference : reference.substring(0, hash)).trim();
        String jsonKey = hash < 0 ? null : reference.substring(hash + 1).trim();
        Matcher m = ARN.matcher(arn);
        if (!m.matches()) {
            problems.add(key + ": ${secretsmanager:" + reference + "} does not name a Secrets Manager secret by its"
                    + " ARN; expected ${secretsmanager:arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME}, optionally"
                    + " followed by #json-key");
            return "";
        }
        if (jsonKey != null && jsonKey.isEmpty()) {
            problems.add(key + ": ${secretsmanager:" + reference + "} has nothing after #; name a key of the"
                    + " secret's JSON (e.g. #password) or leave out the # to use the whole SecretString");
            return "";
        }
        Fetched secret = secrets.get(arn);
        if (secret == null) {
            secret = fetch(arn, m.group(1));
            secrets.put(arn, secret);
        }
        String prefix = key + ": Secrets Manager secret " + arn + " " + from + " ";
        if (secret.problem != null) {
            problems.add(prefix + secret.problem);
            return "";
        }
        if (jsonKey == null) {
            return secret.value;
        }
        JsonNode json = secret.json();
        if (json == null || !json.isObject()) {
            problems.add(prefix + "is not a JSON object, so it has no key \"" + jsonKey + "\"; leave out #"
                    + jsonKey + " to use the whole SecretString");
            return "";
        }
        JsonNode selected = json.get(jsonKey);
        if (selected == null) {
            problems.add(prefix + "has no JSON key \"" + jsonKey + "\" (its keys: " + keys(json) + ")");
            return "";
        }
        if (!selected.isValueNode() || selected.isNull()) {
            problems.add(prefix + "holds " + (selected.isNull() ? "null" : selected.isArray() ? "an array" : "an object")
                    + " under JSON key \"" + jsonKey + "\", not a single value");
            return "";
        }
        return selected.asText();
    }

    private Fetched fetch(String arn, String region) {
        try {
            GetSecretValueResponse response = client(region).getSecretValue(
                    GetSecretValueRequest.builder().secretId(arn).build());
            if (response.secretString() == null) {
                return Fetched.failed("holds binary data only (SecretBinary); only a SecretString can be referenced");
            }
            LOG.info("Read Secrets Manager secret {} (version {})", arn, response.versionId());
            return new Fetched(response.secretString(), null);
        } catch (AwsServiceException e) {
            return Fetched.failed(serviceProblem(e));
        } catch (ApiCallTimeoutException e) {
            return Fetched.failed("could not be read: no answer from Secrets Manager " + endpoint(region) + " within "
                    + limits.callTimeout.toMillis() + " ms");
        } catch (SdkClientException e) {
            return Fetched.failed(clientProblem(e, region));
        }
    }

    private SecretsManagerClient client(String region) {
        SecretsManagerClient client = clients.get(region);
        if (client == null) {
            client = SecretsManagerClient.builder()
                    .region(Region.of(region))
                    .httpClientBuilder(UrlConnectionHttpClient.builder()
                            .connectionTimeout(limits.connectTimeout)
                            .socketTimeout(limits.readTimeout))
                    .overrideConfiguration(o -> o
                            .apiCallTimeout(limits.callTimeout)
                            .retryStrategy(b -> b.maxAttempts(limits.attempts)))
                    .build();
            clients.put(region, client);
        }
        return client;
    }

    /** The service's own error code and message: they name the secret and the caller, never the value. */
    private static String serviceProblem(AwsServiceException e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        String message = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        String detail = "(" + (code == null ? "HTTP " + e.statusCode() : code)
                + (message == null || message.isEmpty() ? "" : ": " + message) + ")";
        if ("ResourceNotFoundException".equals(code)) {
            return "does not exist " + detail;
        }
        if ("AccessDeniedException".equals(code)) {
            return "may not be read by the job's AWS credentials " + detail + "; the role needs"
                    + " secretsmanager:GetSecretValue on this secret, and kms:Decrypt on its KMS key if that key is"
                    + " customer-managed";
        }
        if ("DecryptionFailure".equals(code)) {
            return "cannot be decrypted " + detail + "; the role needs kms:Decrypt on the secret's KMS key";
        }
        return "could not be read " + detail;
    }

    private String clientProblem(SdkClientException e, String region) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof IOException) {
            return "could not be read: no answer from Secrets Manager " + endpoint(region) + " ("
                    + root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage())
                    + "; " + limits.attempts + " attempts)";
        }
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (message.startsWith("Unable to load credentials")) {
            return "could not be read: no AWS credentials (" + message + ")";
        }
        // Anything else happened on this side (e.g. an answer that could not be read): its text might quote the
        // answer, so only the exception types are named.
        return "could not be read (" + e.getClass().getSimpleName()
                + (root == e ? "" : ", caused by " + root.getClass().getName()) + ")";
    }

    private static String endpoint(String region) {
        String override = System.getProperty(ENDPOINT_PROPERTY);
        if (override == null) {
            override = System.getenv(ENDPOINT_VARIABLE);
        }
        return "in " + region + (override == null ? "" : " at " + override);
    }

    private static String keys(JsonNode object) {
        List<String> names = new ArrayList<>();
        Iterator<String> it = object.fieldNames();
        it.forEachRemaining(names::add);
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    @Override
    public void close() {
        for (SecretsManagerClient client : clients.values()) {
            client.close();
        }
        clients.clear();
    }

    /** A fetched SecretString (parsed as JSON on first use) or why there is none. */
    private static final class Fetched {
        final String value;
        final String problem;
        private JsonNode json;
        private boolean parsed;

        Fetched(String value, String problem) {
            this.value = value;
            this.problem = problem;
        }

        static Fetched failed(String problem) {
            return new Fetched(null, problem);
        }

        /** The SecretString as JSON, or null if it is not JSON (the parser's message would quote the value). */
        JsonNode json() {
            if (!parsed) {
                parsed = true;
                try {
                    json = JSON.readTree(value);
                } catch (JsonProcessingException e) {
                    json = null;
                }
            }
            return json;
        }

        @Override
        public String toString() {
            return problem == null ? "Fetched[******]" : "Fetched[" + problem + "]";
        }
    }

    /** Bounds of the start-up calls to Secrets Manager. */
    static final class Limits {
        /** Up to 3 attempts of 5 s to connect and 10 s to read, all within 30 s. */
        static final Limits DEFAULT = new Limits(Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofSeconds(30), 3);

        final Duration connectTimeout;
        final Duration readTimeout;
        final Duration callTimeout;
        final int attempts;

        Limits(Duration connectTimeout, Duration readTimeout, Duration callTimeout, int attempts) {
            this.connectTimeout = connectTimeout;
            this.readTimeout = readTimeout;
            this.callTimeout = callTimeout;
            this.attempts = attempts;
        }
    }
}
