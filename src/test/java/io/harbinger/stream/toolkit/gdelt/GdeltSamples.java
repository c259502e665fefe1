package io.harbinger.stream.toolkit.gdelt;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.List;

/**
 * The two real GDELT 2.0 export files shipped as test resources (see src/test/resources/gdelt/README.md).
 * Paths resolve through the test classpath, i.e. target/test-classes/gdelt/.
 */
public final class GdeltSamples {

    /** 2,414 rows, DATEADDED 2018-01-01 00:00:00 UTC. */
    public static final String EXPORT_2018 = "/gdelt/20180101000000.export.CSV";
    /** 2,111 rows, DATEADDED 2019-10-24 14:30:00 UTC. */
    public static final String EXPORT_2019 = "/gdelt/20191024143000.export.CSV";

    private GdeltSamples() {
    }

    public static Path export2018() {
        return resource(EXPORT_2018);
    }

    public static Path export2019() {
        return resource(EXPORT_2019);
    }

    /** Both files, oldest first. */
    public static List<Path> all() {
        return List.of(export2018(), export2019());
    }

    private static Path resource(String name) {
        URL url = GdeltSamples.class.getResource(name);
        if (url == null) {
            throw new IllegalStateException("Missing classpath resource " + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("Bad resource URL " + url, e);
        }
    }
}
