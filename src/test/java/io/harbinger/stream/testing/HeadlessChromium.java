package io.harbinger.stream.testing;

import io.harbinger.stream.toolkit.ManagedProcess;
import io.harbinger.stream.toolkit.services.DebianPackages;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real headless Chromium (Debian package {@code chromium}, installed by the build when missing) that opens a
 * local page, runs its scripts and gives back the DOM they left, or a screenshot. Offline: every background
 * service of the browser is switched off, so a page that needs the network shows it by rendering nothing.
 */
public final class HeadlessChromium {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private final Path binary;
    private final Path workDir;

    private HeadlessChromium(Path binary, Path workDir) {
        this.binary = binary;
        this.workDir = workDir;
    }

    /** Installs Chromium if needed; each run gets a new empty profile under {@code workDir}. */
    public static HeadlessChromium in(Path workDir) throws Exception {
        return new HeadlessChromium(DebianPackages.ensure("chromium", "/usr/bin/chromium"), workDir);
    }

    /** The page's DOM after its scripts ran ({@code --dump-dom}). */
    public String dumpDom(Path page) throws Exception {
        Path output = run("dump-dom", List.of("--dump-dom", page.toUri().toString()));
        String all = Files.readString(output, StandardCharsets.UTF_8);
        int start = all.indexOf("<html");
        int end = all.lastIndexOf("</html>");
        if (start < 0 || end < 0) {
            throw new IllegalStateException("Chromium printed no DOM for " + page + " (" + output + "):\n"
                    + ManagedProcess.tail(output, 20));
        }
        return all.substring(start, end + "</html>".length());
    }

    /** A PNG of the page as rendered in a window of this size. */
    public Path screenshot(Path page, Path png, int width, int height) throws Exception {
        run("screenshot", List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height,
                "--hide-scrollbars", page.toUri().toString()));
        if (!Files.isRegularFile(png) || Files.size(png) == 0) {
            throw new IllegalStateException("Chromium wrote no screenshot " + png);
        }
        return png;
    }

    private Path run(String what, List<String> arguments) throws Exception {
        Path dir = Files.createDirectories(workDir);
        Path profile = Files.createTempDirectory(dir, "chromium-profile-");
        Path output = dir.resolve("chromium-" + what + "-" + profile.getFileName() + ".out");
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile));
        command.addAll(arguments);
        ManagedProcess.builder("chromium " + what, command).workDir(dir).output(output).run(TIMEOUT);
        return output;
    }
}
