package io.harbinger.stream.config;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;

import software.amazon.msk.auth.iam.IAMClientCallbackHandler;
import software.amazon.msk.auth.iam.IAMLoginModule;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How the Kafka clients of one config section ({@code source.kafka} or {@code sinks.kafka}) authenticate:
 * {@code authentication: none} (the default) passes the section's {@code properties} on as they are;
 * {@code authentication: iam} adds the four client properties of Amazon MSK's IAM access control
 * ({@code SASL_SSL} with the {@code AWS_MSK_IAM} mechanism of {@code software.amazon.msk:aws-msk-iam-auth}), with
 * the optional role and profile of the section's {@code iam} keys. {@link #clientProperties} is the one place
 * where these properties are made, for the source, the four sinks and the dead-letter replay alike.
 *
 * <p>Credentials never appear here: the login module resolves them at connection time (the role ARN to assume,
 * the profile name or, without either, the AWS default credentials chain).
 */
public final class KafkaAuthentication implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The value of {@code authentication}. */
    public enum Method { NONE, IAM }

    /** MSK's IAM listeners (port 9098 inside the VPC) speak TLS only. */
    public static final String IAM_SECURITY_PROTOCOL = "SASL_SSL";
    public static final String IAM_MECHANISM = IAMLoginModule.MECHANISM;
    /** Kafka loads both by name, so the job jar carries them unrelocated. */
    public static final String IAM_LOGIN_MODULE = IAMLoginModule.class.getName();
    public static final String IAM_CALLBACK_HANDLER = IAMClientCallbackHandler.class.getName();
    /** The client properties {@code authentication: iam} sets; {@code properties} must leave them alone. */
    public static final List<String> IAM_PROPERTIES = List.of(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG,
            SaslConfigs.SASL_MECHANISM, SaslConfigs.SASL_JAAS_CONFIG, SaslConfigs.SASL_CLIENT_CALLBACK_HANDLER_CLASS);

    private static final KafkaAuthentication NONE = new KafkaAuthentication(Method.NONE, null, null, null);

    private final Method method;
    /** Null when not given (Optional is not Serializable). */
    private final String roleArn;
    private final String stsRegion;
    private final String profileName;

    private KafkaAuthentication(Method method, String roleArn, String stsRegion, String profileName) {
        this.method = method;
        this.roleArn = roleArn;
        this.stsRegion = stsRegion;
        this.profileName = profileName;
    }

    /** Only what {@code properties} says (plaintext, TLS, mutual TLS or SCRAM set up by hand). */
    public static KafkaAuthentication none() {
        return NONE;
    }

    /**
     * MSK IAM with the AWS default credentials chain, a role assumed through STS ({@code roleArn}, with STS in
     * {@code stsRegion} or the global endpoint) or a named profile of the AWS config files.
     */
    public static KafkaAuthentication iam(Optional<String> roleArn, Optional<String> stsRegion,
                                          Optional<String> profileName) {
        return new KafkaAuthentication(Method.IAM, roleArn.orElse(null), stsRegion.orElse(null),
                profileName.orElse(null));
    }

    public Method method() {
        return method;
    }

    public Optional<String> roleArn() {
        return Optional.ofNullable(roleArn);
    }

    public Optional<String> stsRegion() {
        return Optional.ofNullable(stsRegion);
    }

    public Optional<String> profileName() {
        return Optional.ofNullable(profileName);
    }

    /**
     * What a Kafka client of the section is given: {@code configured} (the section's {@code properties}) and,
     * with IAM, the four properties of {@link #IAM_PROPERTIES} on top.
     */
    public Map<String, String> clientProperties(Map<String, String> configured) {
        Map<String, String> out = new LinkedHashMap<>(configured);
        if (method == Method.IAM) {
            out.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, IAM_SECURITY_PROTOCOL);
            out.put(SaslConfigs.SASL_MECHANISM, IAM_MECHANISM);
            out.put(SaslConfigs.SASL_JAAS_CONFIG, jaasConfig());
            out.put(SaslConfigs.SASL_CLIENT_CALLBACK_HANDLER_CLASS, IAM_CALLBACK_HANDLER);
        }
        return Collections.unmodifiableMap(out);
    }

    /** KafkaAuthenticationSection admits only values without quotes, backslashes or semicolons: quotes suffice. */
    private String jaasConfig() {
        StringBuilder jaas = new StringBuilder(IAM_LOGIN_MODULE).append(" required");
        option(jaas, "awsRoleArn", roleArn);
        option(jaas, "awsStsRegion", stsRegion);
        option(jaas, "awsProfileName", profileName);
        return jaas.append(';').toString();
    }

    private static void option(StringBuilder jaas, String name, String value) {
        if (value != null) {
            jaas.append(' ').append(name).append("=\"").append(value).append('"');
        }
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof KafkaAuthentication)) return false;
        KafkaAuthentication other = (KafkaAuthentication) o;
        return method == other.method && Objects.equals(roleArn, other.roleArn)
                && Objects.equals(stsRegion, other.stsRegion) && Objects.equals(profileName, other.profileName);
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, roleArn, stsRegion, profileName);
    }

    @Override
    public String toString() {
        if (method == Method.NONE) {
            return "none";
        }
        return "iam" + (roleArn == null ? "" : "[role-arn=" + roleArn + (stsRegion == null ? "" : ", sts-region="
                + stsRegion) + "]") + (profileName == null ? "" : "[profile-name=" + profileName + "]");
    }
}
