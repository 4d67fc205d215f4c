package io.parley.server.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.TestServer;
import io.parley.server.Version;
import java.io.Closeable;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What a newcomer sees when the server cannot start or is asked what it is, on a real process: a busy port is one
 * line naming the port and what moves it, exit status 2, no stack trace; {@code --version} prints the version.
 */
class StartupDiagnosticsTest {
    private static final Duration EXIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    /** Every listener on 127.0.0.1 and a free port, except {@code busy} (section.key) set to {@code port}. */
    private Path config(String section, String key, int port) throws Exception {
        Map<String, String> sections = new LinkedHashMap<>();
        sections.put("server", "{host: 127.0.0.1, port: 0, ioThreads: 1}");
        sections.put("media", "{port: 0, bindAddress: 127.0.0.1, announcedAddress: 127.0.0.1}");
        sections.put("rtmp", "{port: 0, bindHost: 127.0.0.1}");
        sections.put("api", "{host: 127.0.0.1, port: 0}");
        sections.put("management", "{enabled: true, host: 127.0.0.1, port: 0}");
        if (section != null) {
            sections.put(section, sections.get(section).replace(key + ": 0", key + ": " + port));
        }
        StringBuilder yaml = new StringBuilder();
        sections.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
        yaml.append("apps:\n  - {appId: ").append(TestServer.APP).append(", secret: \"").append(TestServer.SECRET).append("\"}\n");
        return ServerProcess.writeConfig(dir, yaml.toString());
    }

    private static ServerProcess exited(ServerProcess p) throws Exception {
        assertThat(p.process().waitFor(EXIT.toMillis(), TimeUnit.MILLISECONDS)).as("process exits:\n%s", p.output()).isTrue();
        return p;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "gateway TCP,    server,     port, tcp, '--port N, PARLEY_SERVER_PORT or server.port'",
        "media UDP,      media,      port, udp, '--media-port N, PARLEY_MEDIA_PORT or media.port'",
        "RTMP TCP,       rtmp,       port, tcp, 'PARLEY_RTMP_PORT or rtmp.port'",
        "server API TCP, api,        port, tcp, 'PARLEY_API_PORT or api.port'",
        "management TCP, management, port, tcp, 'PARLEY_MANAGEMENT_PORT or management.port'",
    })
    void aBusyPortIsOneLineNamingItAndWhatMovesItThenExit2(String what, String section, String key, String proto,
            String how) throws Exception {
        try (Closeable holder = hold(proto)) {
            int port = port(holder);
            // The media case sets its port with --media-port over the file's 0: the option must win.
            boolean option = section.equals("media");
            Path cfg = config(option ? null : section, key, port);
            String[] args = option ? new String[] {"--config", cfg.toString(), "--media-port", Integer.toString(port)}
                    : new String[] {"--config", cfg.toString()};
            try (ServerProcess p = exited(ServerProcess.start(dir.resolve("server.log"), Map.of(), args))) {
                assertThat(p.process().exitValue()).as(p.output()).isEqualTo(2);
                String out = p.output();
                assertThat(out).contains("parley: " + what + " port " + port + " on 127.0.0.1 is already in use",
                        "choose another with " + how);
                assertThat(out).as("no stack trace").doesNotContain("\tat ", "Exception");
            }
        }
    }

    @Test
    void versionPrintsTheBuildsVersion() throws Exception {
        String version = Version.current();
        assertThat(version).matches("\\d+\\.\\d+\\.\\d+.*");
        for (String flag : new String[] {"--version", "-V"}) {
            try (ServerProcess p = exited(ServerProcess.start(dir.resolve("version" + flag + ".log"), Map.of(), flag))) {
                assertThat(p.process().exitValue()).as(p.output()).isZero();
                assertThat(p.output()).startsWith("Parley " + version + " (Java ");
            }
        }
    }

    private static Closeable hold(String proto) throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        return proto.equals("udp") ? new DatagramSocket(new InetSocketAddress(lo, 0)) : new ServerSocket(0, 50, lo);
    }

    private static int port(Closeable c) {
        return c instanceof DatagramSocket d ? d.getLocalPort() : ((ServerSocket) c).getLocalPort();
    }
}
