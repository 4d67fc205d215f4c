package io.parley.server.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.TestServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * parley.js with {@code bundle: true} in headless Chromium: one RTCPeerConnection per room session, an m-line per
 * stream. Page A publishes two tones on one connection, page B plays both on one connection, hears each at its
 * frequency, and streams come and go by renegotiation.
 */
class BrowserBundleTest {
    private static final Duration MEDIA_DEADLINE = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(250);
    private static BrowserRig rig;

    @BeforeAll
    static void start() throws Exception {
        rig = BrowserRig.startIfAvailable("bundle");
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

    private static boolean login(Page p, String user) {
        return login(p, "bundle-room", user);
    }

    private static boolean login(Page p, String room, String user) {
        return p.eval("(rig.bundle = true, rig.login(" + rig.appId() + ", '" + rig.wsUrl() + "', '" + room + "', '" + user
                + "', '" + TestServer.token(user) + "'))").asBoolean();
    }

    /** The most m-lines any offer the page sent with these requests carried. */
    private static int maxMLines(Page p, String... types) {
        int max = 0;
        for (String type : types) {
            max = Math.max(max, p.eval("Math.max(0, ...rig.sentOf('" + type + "').filter((m) => m.data.sdp)"
                    + ".map((m) => m.data.sdp.split('\\r\\nm=').length - 1))").asInt());
        }
        return max;
    }

    private static int transceivers(Page p) {
        return p.eval("rig.zg._session.pc.getTransceivers().filter((t) => !t.stopped && t.currentDirection !== 'stopped').length")
                .asInt();
    }

    @Test
    void oneConnectionPerPageCarriesEveryStreamAndStreamsComeAndGoByRenegotiation() {
        Page a = rig.open("bundle-A");
        Page b = rig.open("bundle-B");
        assertThat(login(a, "alice")).isTrue();
        assertThat(login(b, "bob")).isTrue();
        for (String[] tone : new String[][] {{"alice-low", "440"}, {"alice-high", "1000"}}) {
            JsonNode published = a.eval("rig.call(() => rig.publishTone('" + tone[0] + "', " + tone[1] + "))");
            assertThat(published.path("ok").asBoolean()).as("publish %s: %s\n%s", tone[0], published, a.consoleText()).isTrue();
        }
        assertThat(a.eval("rig.zg._publishers.get('alice-low').pc === rig.zg._publishers.get('alice-high').pc").asBoolean())
                .isTrue();
        String answer = a.eval("rig.zg._session.pc.remoteDescription.sdp").asText();
        assertThat(answer).contains("a=group:BUNDLE 0 1", "a=ice-lite");

        JsonNode low = b.eval("rig.call(() => rig.play('alice-low'))");
        assertThat(low.path("ok").asInt()).as("play alice-low: %s\n%s", low, b.consoleText()).isEqualTo(1);
        double lowHz = b.eval("rig.dominantFrequency(2000)").asDouble();
        JsonNode high = b.eval("rig.call(() => rig.play('alice-high'))");
        assertThat(high.path("ok").asInt()).as("play alice-high: %s\n%s", high, b.consoleText()).isEqualTo(1);
        await("B hears 1 kHz on alice-high").atMost(MEDIA_DEADLINE).pollInterval(POLL)
                .until(() -> Math.abs(b.eval("rig.dominantFrequency(1500)").asDouble() - 1000) < 50);
        assertThat(lowHz).as("B hears 440 Hz on alice-low").isBetween(400.0, 480.0);
        assertThat(transceivers(b)).isEqualTo(2);
        // Two pages, two transports for four streams.
        assertThat(rig.server().server().media().transportCount()).isEqualTo(2);

        // B stops alice-low: the renegotiated offer drops its m-line; alice-high goes on, on the same connection.
        JsonNode stopped = b.eval("rig.call(() => rig.zg.stopPlayingStream('alice-low'))");
        assertThat(stopped.path("ok").asBoolean()).as("stopPlayingStream: %s\n%s", stopped, b.consoleText()).isTrue();
        // Its transceiver goes inactive (it is the group's first m-line: the server answers it inactive, in the group).
        assertThat(b.eval("rig.sentOf('stopPlaying').slice(-1)[0].data.sdp").asText()).contains("a=inactive");
        assertThat(b.eval("rig.zg._session.pc.remoteDescription.sdp").asText()).contains("a=group:BUNDLE 0 1");
        String diag = b.eval("(async () => { const t = rig.zg._players.get('alice-high').transceiver;"
                + " const r1 = await t.receiver.getStats(); let p1 = 0; for (const s of r1.values()) if (s.type === 'inbound-rtp') p1 = s.packetsReceived;"
                + " await new Promise((r) => setTimeout(r, 1500));"
                + " const r2 = await t.receiver.getStats(); let p2 = 0; for (const s of r2.values()) if (s.type === 'inbound-rtp') p2 = s.packetsReceived;"
                + " return JSON.stringify({p1, p2, state: rig.zg._session.pc.connectionState, dir: rig.zg._session.pc.getTransceivers().map((x) => x.mid + ':' + x.currentDirection),"
                + " remote: rig.zg._session.pc.remoteDescription.sdp}); })()").asText();
        assertThat(Math.abs(b.eval("rig.dominantFrequency(1500)").asDouble() - 1000)).as(diag).isLessThan(50);
        assertThat(b.eval("rig.zg._session.pc.connectionState").asText()).isEqualTo("connected");

        // A stops alice-high: B is told NO_PLAY (publisher_stopped); A's connection stays for alice-low.
        JsonNode unpublished = a.eval("rig.call(() => rig.zg.stopPublishingStream('alice-high'))");
        assertThat(unpublished.path("ok").asBoolean()).as("stopPublishingStream: %s\n%s", unpublished, a.consoleText()).isTrue();
        await("B: NO_PLAY alice-high").atMost(MEDIA_DEADLINE).pollInterval(POLL)
                .until(() -> b.isTrue("rig.eventsOf('playerStateUpdate').some((e) => e[0].streamID === 'alice-high'"
                        + " && e[0].state === 'NO_PLAY')"));
        assertThat(a.eval("rig.zg._session.pc.connectionState").asText()).isEqualTo("connected");
        assertThat(a.eval("rig.eventsOf('publisherStateUpdate').some((e) => e[0].state === 'NO_PUBLISH')").asBoolean())
                .isFalse();
        // And B plays alice-low again on a new m-line of the same connection.
        JsonNode again = b.eval("rig.call(() => rig.play('alice-low'))");
        assertThat(again.path("ok").asInt()).as("play alice-low again: %s\n%s", again, b.consoleText()).isEqualTo(1);
        await("B hears 440 Hz again").atMost(MEDIA_DEADLINE).pollInterval(POLL)
                .until(() -> Math.abs(b.eval("rig.dominantFrequency(1500)").asDouble() - 440) < 40);
        assertThat(rig.server().server().media().transportCount()).isEqualTo(2);
    }

    /**
     * A listener that stays while 100 speakers come and go: each stopped stream's m-line is recycled by the next one
     * (JSEP 5.2.2), so its offers stay as long as its live streams (before: one m-line per stream it ever played,
     * and past ~65 the startPlaying offer passed the 64 KB frame limit and the server closed the socket, 1009).
     */
    @Test
    void aListenerThatPlaysAndStops100StreamsKeepsItsOfferAsLongAsItsLiveStreams() {
        Page a = rig.open("recycle-A");
        Page b = rig.open("recycle-B");
        assertThat(login(a, "recycle-room", "carol")).isTrue();
        assertThat(login(b, "recycle-room", "dave")).isTrue();
        JsonNode kept = a.eval("rig.call(() => rig.publishTone('carol-keep', 440))");
        assertThat(kept.path("ok").asBoolean()).as("publish carol-keep: %s\n%s", kept, a.consoleText()).isTrue();
        JsonNode playKept = b.eval("rig.call(() => rig.play('carol-keep'))");
        assertThat(playKept.path("ok").asInt()).as("play carol-keep: %s\n%s", playKept, b.consoleText()).isEqualTo(1);
        // One tone source for all the short-lived streams (a stopped sender lets go of it, the track stays live).
        a.eval("(() => { const ctx = new AudioContext(); const osc = ctx.createOscillator(); osc.frequency.value = 1000;"
                + " const dest = ctx.createMediaStreamDestination(); osc.connect(dest); osc.start();"
                + " rig.shortTone = dest.stream; return true; })()");
        for (int i = 0; i < 100; i++) {
            String id = "carol-" + i;
            JsonNode pub = a.eval("rig.call(() => rig.zg.startPublishingStream('" + id + "', rig.shortTone, {extraInfo: ''}))");
            assertThat(pub.path("ok").asBoolean()).as("publish %s: %s\n%s", id, pub, a.consoleText()).isTrue();
            JsonNode play = b.eval("rig.call(() => rig.zg.startPlayingStream('" + id + "').then((m) => m.getAudioTracks().length))");
            assertThat(play.path("ok").asInt()).as("play %s: %s\n%s", id, play, b.consoleText()).isEqualTo(1);
            if (i % 2 == 0) {
                JsonNode stop = b.eval("rig.call(() => rig.zg.stopPlayingStream('" + id + "'))");
                assertThat(stop.path("ok").asBoolean()).as("stopPlaying %s: %s\n%s", id, stop, b.consoleText()).isTrue();
            }
            JsonNode unpub = a.eval("rig.call(() => rig.zg.stopPublishingStream('" + id + "'))");
            assertThat(unpub.path("ok").asBoolean()).as("stopPublishing %s: %s\n%s", id, unpub, a.consoleText()).isTrue();
            if (i % 2 == 1) {
                // Every other speaker leaves first: dave is told NO_PLAY and does not renegotiate until his next play.
                await("dave: NO_PLAY " + id).atMost(MEDIA_DEADLINE).pollInterval(Duration.ofMillis(20))
                        .until(() -> b.isTrue("rig.eventsOf('playerStateUpdate').some((e) => e[0].streamID === '" + id
                                + "' && e[0].state === 'NO_PLAY')"));
            }
        }
        // No offer carries the m-lines of the streams before: each stopped one was recycled by the next.
        // The kept stream, the one being added and, after a speaker left first, the one ended since his last offer.
        assertThat(maxMLines(b, "startPlaying", "stopPlaying")).as("m-lines in dave's largest offer").isLessThanOrEqualTo(3);
        assertThat(maxMLines(a, "startPublishing", "stopPublishing")).as("m-lines in carol's largest offer")
                .isLessThanOrEqualTo(2);
        assertThat(b.eval("rig.zg._session.pc.connectionState").asText()).isEqualTo("connected");
        assertThat(a.eval("rig.zg._session.pc.connectionState").asText()).isEqualTo("connected");
        assertThat(b.eval("JSON.stringify(rig.eventsOf('roomStateChanged').map((e) => e[1]))").asText())
                .as("dave's room states (his socket stayed up)\n%s", b.consoleText()).isEqualTo("[\"LOGINING\",\"LOGINED\"]");
        // One more stream plays on a recycled m-line and is heard; the kept stream never stopped.
        JsonNode last = a.eval("rig.call(() => rig.zg.startPublishingStream('carol-last', rig.shortTone, {extraInfo: ''}))");
        assertThat(last.path("ok").asBoolean()).as("publish carol-last: %s\n%s", last, a.consoleText()).isTrue();
        JsonNode playLast = b.eval("rig.call(() => rig.play('carol-last'))");
        assertThat(playLast.path("ok").asInt()).as("play carol-last: %s\n%s", playLast, b.consoleText()).isEqualTo(1);
        await("dave hears 1 kHz on carol-last").atMost(MEDIA_DEADLINE).pollInterval(POLL)
                .until(() -> Math.abs(b.eval("rig.dominantFrequency(1500)").asDouble() - 1000) < 50);
        await("dave still hears 440 Hz on carol-keep").atMost(MEDIA_DEADLINE).pollInterval(POLL)
                .until(() -> Math.abs(b.eval("rig.dominantFrequency(1500, 'carol-keep')").asDouble() - 440) < 40);
    }
}
