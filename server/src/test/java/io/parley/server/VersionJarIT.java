package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** {@code java -jar parley-server.jar --version} answers from the fat jar's manifest (runs after package). */
class VersionJarIT {
    private static final Path JAR = Path.of("target", "parley-server.jar");

    @Test
    void theJarsManifestCarriesTheVersionAndVersionPrintsIt() throws Exception {
        assertThat(JAR).as("the fat jar (mvn package)").exists();
        String expected = Version.current(); // the build's version.properties on the test classpath
        try (JarFile jar = new JarFile(JAR.toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Implementation-Version")).isEqualTo(expected);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path out = Files.createTempFile("parley-version", ".txt");
        try {
            Process p = new ProcessBuilder(java, "-jar", JAR.toString(), "--version").redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String printed = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(printed).isZero();
            assertThat(printed).startsWith("Parley " + expected + " (Java ");
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
