package io.parley.server.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.TestServer;
import io.parley.server.sfu.IceTcpCounters;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A network that blocks UDP: the server's media sockets drop every datagram from the browsers (a firewall in front of
 * them), so the answers' UDP candidates are unusable and only their ICE-TCP passive candidates connect. Page A
 * publishes a tone, page B hears it, and both selected candidate pairs are TCP.
 */
class BrowserIceTcpTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(250);
    private static BrowserRig rig;

    @BeforeAll
    static void start() throws Exception {
        rig = BrowserRig.startIfAvailable("ice-tcp");
    }

    @BeforeEach
    void requireBrowser() {
        BrowserRig.assumeStarted(rig);
    }

    @AfterAll
    static void stop() {
        if (rig != null) {
            rig.close();
        }
    }

    private static String login(String room, String user) {
        return "rig.login(" + rig.appId() + ", '" + rig.wsUrl() + "', '" + room + "', '" + user + "', '"
                + TestServer.token(user) + "')";
    }

    @Test
    void aBrowserWhoseUdpIsBlockedPublishesAndIsHeardOverIceTcp() {
        rig.server().server().media().udpFirewall(from -> true);
        Page a = rig.open("tcp-A");
        Page b = rig.open("tcp-B");
        assertThat(a.eval(login("tcp-room", "alice")).asBoolean()).isTrue();
        JsonNode published = a.eval("rig.call(() => rig.publishTone('alice-tone', 440))");
        assertThat(published.path("ok").asBoolean()).as("%s\n%s", published, a.consoleText()).isTrue();
        String answer = a.eval("rig.zg._publishers.get('alice-tone').pc.remoteDescription.sdp").asText();
        assertThat(answer).containsPattern("a=candidate:\\S+ 1 udp \\d+ 127\\.0\\.0\\.1 \\d+ typ host")
                .containsPattern("a=candidate:\\S+ 1 tcp \\d+ 127\\.0\\.0\\.1 \\d+ typ host tcptype passive");

        assertThat(b.eval(login("tcp-room", "bob")).asBoolean()).isTrue();
        await("B: ADD alice-tone").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> BrowserSignallingTest.streamUpdates(b).contains("ADD:alice-tone"));
        JsonNode played = b.eval("rig.call(() => rig.play('alice-tone'))");
        assertThat(played.path("ok").asInt()).as("%s\n%s", played, b.consoleText()).isEqualTo(1);

        await("B: inbound audio over ICE-TCP").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> b.eval("rig.rtp('alice-tone', 'play', 'inbound-rtp')").path("packets").asLong() > 50);
        double hz = b.eval("rig.dominantFrequency(2000)").asDouble();
        assertThat(hz).as("the loudest frequency B hears").isBetween(400.0, 480.0);

        for (Object[] side : new Object[][] {{a, "publish"}, {b, "play"}}) {
            Page page = (Page) side[0];
            JsonNode pair = SelectedPair.of(page, "alice-tone", (String) side[1]);
            assertThat(pair).as("%s's selected candidate pair", page.name()).isNotNull();
            assertThat(pair.path("remote").path("protocol").asText()).as("%s: %s", page.name(), pair).isEqualTo("tcp");
            assertThat(pair.path("local").path("protocol").asText()).as("%s: %s", page.name(), pair).isEqualTo("tcp");
            assertThat(pair.path("remote").path("port").asInt())
                    .isEqualTo(rig.server().server().media().tcpAddresses().get(0).getPort());
        }
        IceTcpCounters tcp = rig.server().server().media().tcpCounters();
        assertThat(tcp.accepted()).isGreaterThanOrEqualTo(2);
        assertThat(tcp.closed(IceTcpCounters.Close.FRAME_TOO_LARGE)).isZero();
    }

    @Test
    void whereUdpWorksItWinsOverTcp() {
        rig.server().server().media().udpFirewall(null);
        Page c = rig.open("udp-C");
        assertThat(c.eval(login("udp-room", "carol")).asBoolean()).isTrue();
        JsonNode published = c.eval("rig.call(() => rig.publishTone('carol-tone', 500))");
        assertThat(published.path("ok").asBoolean()).as("%s\n%s", published, c.consoleText()).isTrue();
        await("C: a selected pair").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> SelectedPair.of(c, "carol-tone", "publish") != null);
        JsonNode pair = SelectedPair.of(c, "carol-tone", "publish");
        assertThat(pair.path("remote").path("protocol").asText()).as("%s", pair).isEqualTo("udp");
    }
}
