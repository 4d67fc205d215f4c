package io.parley.server.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.TestServer;
import io.parley.server.config.ParleyConfig;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dual stack: the server binds 127.0.0.1 and ::1 and announces both. With IPv4 datagrams dropped (and ICE-TCP off),
 * Chromium reaches the server over IPv6 only: page A publishes a tone, page B hears it, and both selected pairs end
 * at [::1]. Skips where this host has no IPv6 loopback.
 */
class BrowserDualStackTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(250);
    private static BrowserRig rig;

    @BeforeAll
    static void start() throws Exception {
        if (!ipv6Loopback()) {
            return;
        }
        rig = BrowserRig.startIfAvailable("dual-stack", TestServer.config().withMedia(
                new ParleyConfig.Media(0, "127.0.0.1", "127.0.0.1,::1", Duration.ofSeconds(10))
                        .withAnnouncedAddresses("::1").withTcp(false, 0, 1, 1)));
        if (rig != null) {
            rig.server().server().media().udpFirewall(from -> from.getAddress() instanceof Inet4Address);
        }
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
    void aBrowserReachesTheServerOverIpv6WhenIpv4IsBlocked() {
        Assumptions.assumeTrue(ipv6Loopback(), "no IPv6 loopback (::1) on this host");
        BrowserRig.assumeStarted(rig);
        Page a = rig.open("v6-A");
        Page b = rig.open("v6-B");
        assertThat(a.eval(login("v6-room", "alice")).asBoolean()).isTrue();
        JsonNode published = a.eval("rig.call(() => rig.publishTone('alice-tone', 700))");
        assertThat(published.path("ok").asBoolean()).as("%s\n%s", published, a.consoleText()).isTrue();
        String answer = a.eval("rig.zg._publishers.get('alice-tone').pc.remoteDescription.sdp").asText();
        assertThat(answer).containsPattern("a=candidate:\\S+ 1 udp \\d+ 127\\.0\\.0\\.1 \\d+ typ host")
                .containsPattern("a=candidate:\\S+ 1 udp \\d+ ::1 \\d+ typ host").doesNotContain(" tcp ");

        assertThat(b.eval(login("v6-room", "bob")).asBoolean()).isTrue();
        await("B: ADD alice-tone").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> BrowserSignallingTest.streamUpdates(b).contains("ADD:alice-tone"));
        JsonNode played = b.eval("rig.call(() => rig.play('alice-tone'))");
        assertThat(played.path("ok").asInt()).as("%s\n%s", played, b.consoleText()).isEqualTo(1);
        await("B: inbound audio over IPv6").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> b.eval("rig.rtp('alice-tone', 'play', 'inbound-rtp')").path("packets").asLong() > 50);
        double hz = b.eval("rig.dominantFrequency(2000)").asDouble();
        assertThat(hz).as("the loudest frequency B hears").isBetween(660.0, 740.0);
        for (Object[] side : new Object[][] {{a, "publish"}, {b, "play"}}) {
            Page page = (Page) side[0];
            JsonNode pair = SelectedPair.of(page, "alice-tone", (String) side[1]);
            assertThat(pair).as("%s's selected pair", page.name()).isNotNull();
            assertThat(pair.path("remote").path("address").asText()).as("%s: %s", page.name(), pair).isEqualTo("::1");
        }
    }

    private static boolean ipv6Loopback() {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("::1"), 0))) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
