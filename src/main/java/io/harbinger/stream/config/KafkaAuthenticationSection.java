package io.harbinger.stream.config;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Binds {@code authentication} and {@code iam} of a Kafka section ({@code source.kafka}, {@code sinks.kafka}) to
 * a {@link KafkaAuthentication}. The IAM values end up inside a JAAS option (see
 * {@code KafkaAuthentication.jaasConfig}), so each is checked against a pattern that cannot break out of it.
 */
final class KafkaAuthenticationSection {
    /** An IAM role in any partition, e.g. arn:aws:iam::123456789012:role/harbinger-msk. */
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}");
    private static final Pattern AWS_REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");
    /** A profile name that stays one JAAS option value: no quotes, backslashes, semicolons or blanks. */
    private static final Pattern PROFILE_NAME = Pattern.compile("[\\w.@+-]{1,128}");

    private KafkaAuthenticationSection() {}

    /** {@code properties} is the section's client properties, which IAM must not contradict. */
    static KafkaAuthentication bind(ConfigNode section, Map<String, String> properties) {
        KafkaAuthentication.Method method = section.enumValue("authentication", KafkaAuthentication.Method.class,
                KafkaAuthentication.Method.NONE);
        if (method == KafkaAuthentication.Method.NONE) {
            CrossKeyRules.iamKeysOnlyWithIam(section);
            return KafkaAuthentication.none();
        }
        ConfigNode iam = section.child("iam");
        Optional<String> roleArn = iam.optionalString("role-arn");
        Optional<String> stsRegion = iam.optionalString("sts-region");
        Optional<String> profileName = iam.optionalString("profile-name");
        roleArn.filter(arn -> !ROLE_ARN.matcher(arn).matches()).ifPresent(arn -> iam.problem("role-arn",
                "expected an IAM role ARN such as arn:aws:iam::123456789012:role/harbinger-msk, got \"" + arn + "\""));
        stsRegion.filter(region -> !AWS_REGION.matcher(region).matches()).ifPresent(region -> iam.problem(
                "sts-region", "expected an AWS region such as eu-west-1, got \"" + region + "\""));
        CrossKeyRules.stsRegionOnlyWithRoleArn(iam, roleArn, stsRegion);
        profileName.filter(name -> !PROFILE_NAME.matcher(name).matches()).ifPresent(name -> iam.problem(
                "profile-name", "expected a profile name of letters, digits and _.@+-, got \"" + name + "\""));
        CrossKeyRules.roleArnOrProfileName(iam, roleArn, profileName);
        CrossKeyRules.propertiesLeaveIamAlone(section, properties);
        return KafkaAuthentication.iam(roleArn, stsRegion, profileName);
    }
}
