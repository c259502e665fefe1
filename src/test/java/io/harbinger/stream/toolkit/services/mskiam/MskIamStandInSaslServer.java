package io.harbinger.stream.toolkit.services.mskiam;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.errors.SaslAuthenticationException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import javax.security.sasl.SaslServerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Security;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A stand-in for the broker side of Amazon MSK's IAM access control, which is proprietary and runs only on MSK.
 * It speaks the {@code AWS_MSK_IAM} SASL mechanism as the client library {@code aws-msk-iam-auth} does: the
 * client's one token is a JSON object that is an AWS Signature Version 4 presigned request for the action
 * {@code kafka-cluster:Connect} on the broker's host; the server answers with a JSON object of {@code version}
 * and {@code request-id}.
 *
 * <p>It checks what can be checked without AWS: version {@code 2020_10_22}, the host (this loopback broker), the
 * action, the algorithm {@code AWS4-HMAC-SHA256}, the credential scope (the one access key id it knows, its
 * region, service {@code kafka-cluster}), the signing time (within 15 minutes) and expiry, the signed headers,
 * and the signature itself, recomputed from the secret key it was given. It does not do what MSK does next
 * (ask IAM whether the principal may {@code kafka-cluster:Connect}, and authorize every later request against
 * the IAM policy): a client accepted here is authenticated, and then authorized for everything.
 *
 * <p>Every token is recorded in the audit log, accepted ones with their fields (signature left out), refused
 * ones with the reason, which also goes back to the client in its {@code SaslAuthenticationException}.
 */
public final class MskIamStandInSaslServer implements SaslServer {
    public static final String MECHANISM = "AWS_MSK_IAM";
    static final String VERSION = "2020_10_22";
    static final String ACTION = "kafka-cluster:Connect";
    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    static final String SERVICE = "kafka-cluster";
    static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(15);
    /** The payload fields that are query parameters of the presigned request, by their lower-case JSON names. */
    static final List<String> QUERY_PARAMETERS = List.of("Action", "X-Amz-Algorithm", "X-Amz-Credential",
            "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Security-Token");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The one identity the stand-in knows. */
    public record Account(String accessKeyId, String secretAccessKey, String region, Path auditLog) {
        @Override
        public String toString() {
            return "Account[" + accessKeyId + ", " + region + "]";
        }
    }

    /** Asks the listener's callback handler ({@link MskIamStandInCallbackHandler}) for the account. */
    public static final class AccountCallback implements Callback {
        Account account;
    }

    private final CallbackHandler callbacks;
    private boolean complete;
    private String authorizationId;

    MskIamStandInSaslServer(CallbackHandler callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public String getMechanismName() {
        return MECHANISM;
    }

    @Override
    public byte[] evaluateResponse(byte[] response) throws SaslException {
        if (complete) {
            throw new SaslException("AWS_MSK_IAM takes one client token; the exchange is complete");
        }
        AccountCallback callback = new AccountCallback();
        try {
            callbacks.handle(new Callback[] {callback});
        } catch (IOException | javax.security.auth.callback.UnsupportedCallbackException e) {
            throw new SaslException("MSK IAM stand-in has no account", e);
        }
        Account account = callback.account;
        Map<String, String> payload;
        try {
            payload = new TreeMap<>();
            JSON.readTree(response).fields().forEachRemaining(f -> payload.put(f.getKey(), f.getValue().asText()));
        } catch (IOException | RuntimeException e) {
            throw refuse(account, "the client's first token is not the aws-msk-iam-auth JSON payload ("
                    + e.getClass().getSimpleName() + ")");
        }
        String problem = check(payload, account, Instant.now());
        if (problem != null) {
            throw refuse(account, problem);
        }
        Map<String, String> recorded = new TreeMap<>(payload);
        recorded.put("x-amz-signature", "verified");
        audit(account, "ACCEPTED " + recorded);
        complete = true;
        authorizationId = "iam-stand-in:" + account.accessKeyId();
        Map<String, String> answer = new LinkedHashMap<>();
        answer.put("version", VERSION);
        answer.put("request-id", UUID.randomUUID().toString());
        try {
            return JSON.writeValueAsBytes(answer);
        } catch (IOException e) {
            throw new SaslException("cannot write the answer", e);
        }
    }

    /** Null when the payload is a valid presigned kafka-cluster:Connect for the account, else why not. */
    static String check(Map<String, String> p, Account account, Instant now) {
        if (!VERSION.equals(p.get("version"))) return "version is " + p.get("version") + ", not " + VERSION;
        String host = p.get("host");
        if (!"127.0.0.1".equals(host) && !"localhost".equals(host)) return "host " + host + " is not this broker";
        if (!ACTION.equals(p.get("action"))) return "action is " + p.get("action") + ", not " + ACTION;
        if (!ALGORITHM.equals(p.get("x-amz-algorithm"))) return "x-amz-algorithm is " + p.get("x-amz-algorithm");
        if (p.get("user-agent") == null) return "no user-agent";
        String[] scope = String.valueOf(p.get("x-amz-credential")).split("/");
        if (scope.length != 5 || !scope[4].equals("aws4_request")) return "x-amz-credential is not a SigV4 scope";
        if (!scope[0].equals(account.accessKeyId())) return "unknown access key id " + scope[0];
        if (!scope[2].equals(account.region())) return "credential scope region " + scope[2] + " is not " + account.region();
        if (!scope[3].equals(SERVICE)) return "credential scope service " + scope[3] + " is not " + SERVICE;
        String amzDate = String.valueOf(p.get("x-amz-date"));
        Instant signedAt;
        try {
            signedAt = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return "x-amz-date " + amzDate + " is not yyyyMMdd'T'HHmmss'Z'";
        }
        if (!scope[1].equals(amzDate.substring(0, 8))) return "credential scope date is not the date of x-amz-date";
        if (Duration.between(signedAt, now).abs().compareTo(MAX_CLOCK_SKEW) > 0) return "signed at " + signedAt + ", too far from now";
        long expires;
        try {
            expires = Long.parseLong(String.valueOf(p.get("x-amz-expires")));
        } catch (NumberFormatException e) {
            return "x-amz-expires is not a number";
        }
        if (expires <= 0 || expires > MAX_CLOCK_SKEW.toSeconds() || signedAt.plusSeconds(expires).isBefore(now)) {
            return "expired or x-amz-expires " + expires + " out of range";
        }
        if (!"host".equals(p.get("x-amz-signedheaders"))) return "x-amz-signedheaders is " + p.get("x-amz-signedheaders");
        String signature = p.get("x-amz-signature");
        if (signature == null || !signature.matches("[0-9a-f]{64}")) return "no SigV4 signature";
        String expected = signature(p, account, scope);
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII))) {
            return "the signature does not match (wrong secret access key for " + account.accessKeyId() + ")";
        }
        return null;
    }

    /** SigV4 of the presigned {@code GET https://host/?Action=kafka-cluster:Connect&X-Amz-...} as the client made it. */
    static String signature(Map<String, String> p, Account account, String[] scope) {
        TreeMap<String, String> query = new TreeMap<>();
        for (String name : QUERY_PARAMETERS) {
            String value = p.get(name.toLowerCase());
            if (value != null) {
                query.put(encode(name), encode(value));
            }
        }
        StringBuilder canonicalQuery = new StringBuilder();
        query.forEach((k, v) -> canonicalQuery.append(canonicalQuery.length() == 0 ? "" : "&").append(k).append('=').append(v));
        String canonicalRequest = "GET\n/\n" + canonicalQuery + "\nhost:" + p.get("host") + "\n\nhost\n" + sha256Hex("");
        String stringToSign = ALGORITHM + "\n" + p.get("x-amz-date") + "\n" + String.join("/", scope[1], scope[2],
                scope[3], scope[4]) + "\n" + sha256Hex(canonicalRequest);
        byte[] key = hmac(("AWS4" + account.secretAccessKey()).getBytes(StandardCharsets.UTF_8), scope[1]);
        key = hmac(key, scope[2]);
        key = hmac(key, scope[3]);
        key = hmac(key, scope[4]);
        return HexFormat.of().formatHex(hmac(key, stringToSign));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Kafka sends the message of a SaslAuthenticationException to the client; other failures only as "failed". */
    private static SaslAuthenticationException refuse(Account account, String why) {
        audit(account, "REFUSED " + why);
        return new SaslAuthenticationException("MSK IAM stand-in refused the AWS_MSK_IAM token: " + why);
    }

    private static synchronized void audit(Account account, String line) {
        try {
            Files.writeString(account.auditLog(), Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean isComplete() {
        return complete;
    }

    @Override
    public String getAuthorizationID() {
        if (!complete) throw new IllegalStateException("authentication is not complete");
        return authorizationId;
    }

    @Override
    public byte[] unwrap(byte[] incoming, int offset, int len) {
        throw new IllegalStateException("AWS_MSK_IAM negotiates no security layer");
    }

    @Override
    public byte[] wrap(byte[] outgoing, int offset, int len) {
        throw new IllegalStateException("AWS_MSK_IAM negotiates no security layer");
    }

    @Override
    public Object getNegotiatedProperty(String propName) {
        if (!complete) throw new IllegalStateException("authentication is not complete");
        return null;
    }

    @Override
    public void dispose() {
    }

    /** Creates the stand-in for {@code AWS_MSK_IAM}, as Kafka's PlainSaslServer.PlainSaslServerFactory does for PLAIN. */
    public static final class Factory implements SaslServerFactory {
        @Override
        public SaslServer createSaslServer(String mechanism, String protocol, String serverName, Map<String, ?> props,
                                           CallbackHandler cbh) throws SaslException {
            if (!MECHANISM.equals(mechanism)) {
                throw new SaslException("unsupported mechanism " + mechanism + "; this factory serves " + MECHANISM);
            }
            return new MskIamStandInSaslServer(cbh);
        }

        @Override
        public String[] getMechanismNames(Map<String, ?> props) {
            return new String[] {MECHANISM};
        }
    }

    /** Makes {@link Factory} the {@code SaslServerFactory.AWS_MSK_IAM} of this JVM (the broker's). */
    public static final class Provider extends java.security.Provider {
        private static final String NAME = "Harbinger MSK IAM stand-in";

        private Provider() {
            super(NAME, "1.0", "SASL/AWS_MSK_IAM server stand-in for tests");
            put("SaslServerFactory." + MECHANISM, Factory.class.getName());
        }

        static synchronized void register() {
            if (Security.getProvider(NAME) == null) {
                Security.addProvider(new Provider());
            }
        }
    }
}
