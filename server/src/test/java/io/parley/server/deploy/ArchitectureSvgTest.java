package io.parley.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * README's architecture picture is drawn from the repository (modules, their Layout rows, the ports in
 * docs/configuration.md) by docs/tools/architecture-svg.py: the committed docs/architecture.svg must be what the
 * script draws now, so a new module or a changed port shows up in the picture.
 */
class ArchitectureSvgTest {
    private static final Path ROOT = Path.of("..");

    @Test
    void theCommittedPictureIsWhatTheScriptDrawsFromTheRepository() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python), "no /usr/bin/python3 to run docs/tools/architecture-svg.py");
        Path out = Files.createTempFile("architecture-svg", ".txt");
        try {
            Process p = new ProcessBuilder(python.toString(), "docs/tools/architecture-svg.py", "--check")
                    .directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(Files.readString(out, StandardCharsets.UTF_8)).isZero();
        } finally {
            Files.deleteIfExists(out);
        }
        String svg = Files.readString(ROOT.resolve("docs/architecture.svg"));
        assertThat(svg).startsWith("<svg ").contains("UDP 10000", "TCP 8080", "server/", "protocol/");
        assertThat(Files.readString(ROOT.resolve("README.md"))).contains("](docs/architecture.svg)");
    }
}
