package io.parley.server.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.TestServer;
import io.parley.server.config.ParleyConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TURN end to end: coturn (Debian's) runs beside the server with the REST secret the server signs credentials with;
 * page A, forced to relay-only ({@code iceTransportPolicy: 'relay'}), publishes a tone with the TURN credentials its
 * login response handed out, page B plays it and hears the tone, and A's selected candidate pair is a relay one.
 * Skips without coturn or Chromium unless {@value Coturn#REQUIRE_ENV} / {@value BrowserRig#REQUIRE_ENV} is true.
 */
class BrowserTurnTest {
    private static final String SECRET = "turn-test-secret-" + Long.toHexString(System.nanoTime());
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(250);
    private static Coturn turn;
    private static BrowserRig rig;

    @BeforeAll
    static void start() throws Exception {
        Optional<Path> binary = Coturn.find();
        if (binary.isEmpty()) {
            if ("true".equals(System.getenv(Coturn.REQUIRE_ENV))) {
                Assertions.fail(Coturn.MISSING + " (" + Coturn.REQUIRE_ENV + "=true, so this is a failure, not a skip)");
            }
            return;
        }
        turn = Coturn.start(binary.get(), SECRET, "browser");
        rig = BrowserRig.startIfAvailable("turn", TestServer.config().withTurn(new ParleyConfig.Turn(
                "turn:127.0.0.1:" + turn.port() + "?transport=udp", SECRET, Duration.ofMinutes(10))));
    }

    @AfterAll
    static void stop() {
        try {
            if (rig != null) {
                rig.close();
            }
        } finally {
            if (turn != null) {
                turn.close();
            }
        }
    }

    private static String login(String room, String user) {
        return "rig.login(" + rig.appId() + ", '" + rig.wsUrl() + "', '" + room + "', '" + user + "', '"
                + TestServer.token(user) + "')";
    }

    @Test
    void aRelayOnlyBrowserPublishesThroughCoturnAndIsHeard() {
        Assumptions.assumeTrue(turn != null, Coturn.MISSING + "; TURN test skipped");
        BrowserRig.assumeStarted(rig);
        Page a = rig.open("turn-A");
        Page b = rig.open("turn-B");
        assertThat(a.eval(login("turn-room", "alice")).asBoolean()).isTrue();
        JsonNode servers = a.eval("rig.zg._iceServers");
        assertThat(servers.path(0).path("urls").path(0).asText()).isEqualTo("turn:127.0.0.1:" + turn.port() + "?transport=udp");
        assertThat(servers.path(0).path("username").asText()).endsWith(":alice");
        a.run("rig.zg.rtcConfiguration = {iceTransportPolicy: 'relay'}");
        JsonNode published = a.eval("rig.call(() => rig.publishTone('alice-tone', 600))");
        assertThat(published.path("ok").asBoolean()).as("%s\n%s", published, a.consoleText()).isTrue();

        assertThat(b.eval(login("turn-room", "bob")).asBoolean()).isTrue();
        await("B: ADD alice-tone").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> BrowserSignallingTest.streamUpdates(b).contains("ADD:alice-tone"));
        JsonNode played = b.eval("rig.call(() => rig.play('alice-tone'))");
        assertThat(played.path("ok").asInt()).as("%s\n%s", played, b.consoleText()).isEqualTo(1);
        await("B: inbound audio relayed by coturn").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> b.eval("rig.rtp('alice-tone', 'play', 'inbound-rtp')").path("packets").asLong() > 50);
        double hz = b.eval("rig.dominantFrequency(2000)").asDouble();
        assertThat(hz).as("the loudest frequency B hears").isBetween(560.0, 640.0);

        JsonNode pair = SelectedPair.of(a, "alice-tone", "publish");
        assertThat(pair).as("A's selected pair; coturn log:\n%s", turn.logText()).isNotNull();
        assertThat(pair.path("local").path("type").asText()).as("%s", pair).isEqualTo("relay");
        assertThat(turn.logText()).contains("alice");
    }
}
