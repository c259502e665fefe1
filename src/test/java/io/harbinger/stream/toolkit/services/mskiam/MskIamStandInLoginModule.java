package io.harbinger.stream.toolkit.services.mskiam;

import javax.security.auth.Subject;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.spi.LoginModule;
import java.util.Map;

/**
 * The broker-side login module of the test broker's {@code AWS_MSK_IAM} stand-in. Like Kafka's own
 * {@code PlainLoginModule}, it does nothing but make its SASL server known: loading it (Kafka logs the listener in
 * with it at start-up) registers {@link MskIamStandInSaslServer.Provider}. Its JAAS options are read by
 * {@link MskIamStandInCallbackHandler}.
 *
 * <p>This and the other classes of this package run inside the broker process (see
 * {@code KafkaBroker.Security#mskIam}): they may use only the JDK and the broker's own jars.
 */
public final class MskIamStandInLoginModule implements LoginModule {
    static {
        MskIamStandInSaslServer.Provider.register();
    }

    @Override
    public void initialize(Subject subject, CallbackHandler callbackHandler, Map<String, ?> sharedState,
                           Map<String, ?> options) {
        // nothing to keep: the callback handler reads the options
    }

    @Override
    public boolean login() {
        return true;
    }

    @Override
    public boolean commit() {
        return true;
    }

    @Override
    public boolean abort() {
        return false;
    }

    @Override
    public boolean logout() {
        return true;
    }
}
