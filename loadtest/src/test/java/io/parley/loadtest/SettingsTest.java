package io.parley.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad settings end with a message that says what was expected, and exit code 2, before any load is made. */
class SettingsTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef";
    private static ServerSocket listening;
    private static String url;

    @BeforeAll
    static void listen() throws IOException {
        listening = new ServerSocket(0); // reachable, so that only the setting under test is wrong
        url = "ws://127.0.0.1:" + listening.getLocalPort() + "/ws";
    }

    @AfterAll
    static void close() throws IOException {
        listening.close();
    }

    private static Cli signal(String... extra) {
        String[] base = {"signal", "--url", url, "--app", "1", "--secret", SECRET, "-d", "1s", "-q", "--metrics-url", "none"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return Cli.run(args);
    }

    @Test
    void zeroOrNegativeCountsAreRefused() {
        assertThat(signal("--sessions", "0")).satisfies(c -> {
            assertThat(c.exitCode()).isEqualTo(2);
            assertThat(c.err()).contains("--sessions 0 (expected: > 0)");
        });
        assertThat(signal("--room-size", "-3").err()).contains("--room-size -3 (expected: > 0)");
        assertThat(signal("--login-rate", "0").exitCode()).isEqualTo(2);
        assertThat(signal("--publish-rate", "-1").err()).contains("--publish-rate -1.0 (expected: >= 0)");
        assertThat(Cli.run("signal", "--url", url, "--app", "1", "--secret", SECRET, "--duration", "0s").err())
                .contains("--duration PT0S (expected: > 0)");
    }

    @Test
    void roomLargerThanTheSessionsIsRefused() {
        Cli c = signal("--sessions", "10", "--room-size", "11");
        assertThat(c.exitCode()).isEqualTo(2);
        assertThat(c.err()).contains("--room-size 11 > --sessions 10");
    }

    @Test
    void moreSessionsThanTheOpenFilesLimitAreRefused() {
        Cli c = signal("--sessions", "5000000", "--room-size", "10");
        assertThat(c.exitCode()).isEqualTo(2);
        assertThat(c.err()).contains("--sessions 5000000 needs 5000000 sockets").contains("ulimit -n");
    }

    @Test
    void roomSizeOverTheConnectionLimitIsNamed() {
        assertThatThrownBy(() -> Preflight.fitsFileLimit("--room-size 25000", 25_000, 20_000, 100))
                .isInstanceOf(BadSettings.class)
                .hasMessageContaining("--room-size 25000 needs 25000 sockets (+64 spare) but this process may open 19900 more files (ulimit -n 20000, 100 open)");
        Preflight.fitsFileLimit("--room-size 1000", 1_000, 20_000, 100);
    }

    @Test
    void anUnreachableServerFailsFastWithTheUrl() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String dead = "ws://127.0.0.1:" + port + "/ws";
        long t0 = System.nanoTime();
        Cli c = Cli.run("signal", "--url", dead, "--app", "1", "--secret", SECRET, "-q");
        assertThat(c.exitCode()).isEqualTo(2);
        assertThat(c.err()).contains("cannot reach the server at " + dead);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void tokensNeedASecretAndAnApp() {
        Cli c = Cli.run("signal", "--url", url, "-q", "--secret", "");
        assertThat(c.exitCode()).isEqualTo(2);
        assertThat(c.err()).contains("pass --app and --secret");
        assertThat(Cli.run("signal", "--url", url, "-q", "--secret", SECRET).err()).contains("--secret needs --app");
        assertThat(Cli.run("signal", "--url", url, "-q", "--app", "1", "--secret", "short").err())
                .contains("--secret: 5 bytes (expected: >= 32 bytes");
    }

    @Test
    void aWrongUrlOrDurationIsExplained() {
        assertThat(Cli.run("signal", "--url", "http://127.0.0.1:1/ws", "-q").err()).contains("(expected: ws://host:port/ws");
        Cli c = Cli.run("signal", "--duration", "soon");
        assertThat(c.exitCode()).isEqualTo(2);
        assertThat(c.err()).contains("'soon' (expected: a duration such as 500ms, 30s, 2m, 1h)");
    }

    @Test
    void aTokenUrlThatDoesNotAnswerIsRefused() {
        Cli c = signal("--token-url", "http://127.0.0.1:" + listeningPortClosed() + "/dev/token");
        assertThat(c.exitCode()).isEqualTo(2);
        assertThat(c.err()).contains("--token-url http://127.0.0.1:");
    }

    private static int listeningPortClosed() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void mediaSettingsAreChecked() {
        String[] base = {"media", "--url", url, "--app", "1", "--secret", SECRET, "-q"};
        assertThat(Cli.run(concat(base, "--publishers", "0")).err()).contains("--publishers 0 (expected: > 0)");
        assertThat(Cli.run(concat(base, "--packet-size", "8")).err()).contains("--packet-size 8 (expected: 16 <= MIN <= MAX <= 1200");
        assertThat(Cli.run(concat(base, "--packet-size", "big")).err()).contains("--packet-size big (expected: MIN or MIN-MAX");
        assertThat(Cli.run(concat(base, "--warmup", "60s", "-d", "30s")).err())
                .contains("--warmup PT1M (expected: >= 0 and shorter than --duration PT30S)");
        Cli c = Cli.run(concat(base, "--rooms", "10", "--publishers", "1", "--players", "2000"));
        assertThat(c.exitCode()).isEqualTo(2);
        assertThat(c.err()).contains("--rooms 10 of 1 publishers and 2000 players").contains("needs 40020 sockets");
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = new String[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void durationsReadShortForms() {
        assertThat(DurationConverter.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(DurationConverter.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(DurationConverter.parse("PT3S")).isEqualTo(Duration.ofSeconds(3));
    }
}
