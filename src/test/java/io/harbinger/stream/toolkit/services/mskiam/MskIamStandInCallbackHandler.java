package io.harbinger.stream.toolkit.services.mskiam;

import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;

import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Gives {@link MskIamStandInSaslServer} the one IAM identity the stand-in knows, from the JAAS options of
 * {@link MskIamStandInLoginModule}: {@code accessKeyId}, {@code secretAccessKey} (to check the SigV4 signature
 * with), {@code region} and {@code auditLog} (the file every accepted or refused token is recorded in).
 */
public final class MskIamStandInCallbackHandler implements AuthenticateCallbackHandler {
    private MskIamStandInSaslServer.Account account;

    @Override
    public void configure(Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> entries) {
        for (AppConfigurationEntry entry : entries) {
            if (entry.getLoginModuleName().equals(MskIamStandInLoginModule.class.getName())) {
                Map<String, ?> o = entry.getOptions();
                account = new MskIamStandInSaslServer.Account(required(o, "accessKeyId"),
                        required(o, "secretAccessKey"), required(o, "region"), Path.of(required(o, "auditLog")));
            }
        }
        if (account == null) {
            throw new IllegalArgumentException("no JAAS entry of " + MskIamStandInLoginModule.class.getName()
                    + " for " + saslMechanism);
        }
    }

    private static String required(Map<String, ?> options, String name) {
        Object value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("JAAS option " + name + " of the MSK IAM stand-in is missing");
        }
        return value.toString();
    }

    @Override
    public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
        for (Callback callback : callbacks) {
            if (callback instanceof MskIamStandInSaslServer.AccountCallback c) {
                c.account = account;
            } else {
                throw new UnsupportedCallbackException(callback);
            }
        }
    }

    @Override
    public void close() {
    }
}
