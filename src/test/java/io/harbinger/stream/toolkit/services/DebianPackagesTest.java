package io.harbinger.stream.toolkit.services;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

class DebianPackagesTest {

    @Test
    void installsTheToolWhenItIsMissingAndFindsItAfterwards() throws Exception {
        java.nio.file.Path promtool = DebianPackages.ensure("prometheus", "/usr/bin/promtool");

        assertThat(Files.isExecutable(promtool)).isTrue();
        assertThat(DebianPackages.ensure("prometheus", "/usr/bin/promtool")).isEqualTo(promtool);
    }
}
