package io.harbinger.stream.toolkit;

import io.harbinger.stream.toolkit.WorkDirs;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Registered for every test (META-INF/services, autodetection on in junit-platform.properties): after a
 * failure the work folders with the broker, database and cluster logs stay for whoever reads the failure.
 */
public final class KeepWorkDirsOnFailure implements TestWatcher {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        WorkDirs.keepAtExit(context.getDisplayName() + " failed");
    }
}
