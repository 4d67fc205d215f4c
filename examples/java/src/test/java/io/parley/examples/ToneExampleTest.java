package io.parley.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.server.TestServer;
import io.parley.server.rtmp.ToneDetector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The example against a real server (in-process, 127.0.0.1, port 0), and the README's snippet held to its source. */
class ToneExampleTest {
    static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();
    static final Path SOURCE = Path.of("src/main/java/io/parley/examples/ToneExample.java");
    static final String MARKER = "<!-- the code of examples/java/src/main/java/io/parley/examples/ToneExample.java -->";

    static TestServer server;

    @BeforeAll
    static void start() throws InterruptedException {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void publishesTheToneAndHearsItBackThroughTheServer() throws Exception {
        // 3 s of tone, paced in real time; the player hears what the server forwards
        ToneExample.Heard heard = ToneExample.run(server.wsUri(), TestServer.APP, TestServer.token("alice"),
                "alice", "example-room", 150);
        assertThat(heard.undecodable()).isZero();
        assertThat(heard.packets()).as("packets heard of 150 sent").isGreaterThanOrEqualTo(100);
        double[] pcm = Arrays.stream(toInts(heard.pcm())).asDoubleStream().toArray();
        assertThat(ToneDetector.toneFraction(pcm, ToneExample.TONE_HZ, ToneExample.SAMPLE_RATE, 960, 20))
                .as("windows where 440 Hz dominates").isGreaterThan(0.8);
        assertThat(ToneDetector.toneFraction(pcm, 2 * ToneExample.TONE_HZ, ToneExample.SAMPLE_RATE, 960, 20))
                .as("windows where 880 Hz dominates").isLessThan(0.05);
    }

    @Test
    void aRefusedLoginSaysWhy() {
        String othersToken = TestServer.token("bob");
        assertThatThrownBy(() -> ToneExample.run(server.wsUri(), TestServer.APP, othersToken, "alice", "r", 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("login refused: 1102016");
    }

    @Test
    void theReadmeSnippetIsTheExamplesCode() throws IOException {
        String source = Files.readString(SOURCE);
        String readme = Files.readString(ROOT.resolve("README.md"));
        int at = readme.indexOf(MARKER);
        assertThat(at).as("README.md has the marker " + MARKER).isNotNegative();
        Matcher block = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(block.find(at)).isTrue();
        String snippet = block.group(1);
        List<String> readmeImports = snippet.lines().filter(l -> l.startsWith("import ")).toList();
        String code = snippet.lines().dropWhile(l -> l.startsWith("import ") || l.isBlank())
                .collect(Collectors.joining("\n", "", "\n"));

        Matcher region = Pattern.compile("\n( *)// README:begin\n(.*?)\n *// README:end\n", Pattern.DOTALL).matcher(source);
        assertThat(region.find()).isTrue();
        String indent = region.group(1);
        String expected = region.group(2).lines().map(l -> l.startsWith(indent) ? l.substring(indent.length()) : l)
                .collect(Collectors.joining("\n", "", "\n"));
        assertThat(code).isEqualTo(expected);

        // the snippet's imports: the example's, for every class the snippet names
        List<String> sourceImports = source.lines().filter(l -> l.startsWith("import ")).toList();
        assertThat(sourceImports).containsAll(readmeImports);
        for (String imp : sourceImports) {
            String simpleName = imp.substring(imp.lastIndexOf('.') + 1, imp.length() - 1);
            if (Pattern.compile("\\b" + simpleName + "\\b").matcher(expected).find()) {
                assertThat(readmeImports).as("README imports for " + simpleName).contains(imp);
            }
        }
    }

    private static int[] toInts(short[] s) {
        int[] out = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = s[i];
        }
        return out;
    }
}
