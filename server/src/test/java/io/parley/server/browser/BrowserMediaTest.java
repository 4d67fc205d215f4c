package io.parley.server.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real WebRTC through the server's SFU: page A publishes Chromium's fake microphone (a beep) with parley.js,
 * page B (another browser context) plays it, and B's RTCPeerConnection shows audio arriving.
 */
class BrowserMediaTest {
    private static final Duration MEDIA_DEADLINE = Duration.ofSeconds(20);
    private static final Duration POLL = Duration.ofMillis(250);
    private static BrowserRig rig;

    @BeforeAll
    static void start() throws Exception {
        rig = BrowserRig.startIfAvailable("media");
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
    void aBrowserHearsAnotherBrowserThroughTheServer() {
        Page a = rig.open("A");
        Page b = rig.open("B");
        assertThat(a.eval(login("media-room", "alice")).asBoolean()).isTrue();
        JsonNode published = a.eval("rig.call(() => rig.publish('alice-mic'))");
        assertThat(published.path("ok").asBoolean()).as("startPublishingStream: %s\n%s", published, a.consoleText()).isTrue();
        // The server's answer was applied: A's transport is ICE-lite, DTLS passive.
        String answer = a.eval("rig.zg._publishers.get('alice-mic').pc.remoteDescription.sdp").asText();
        assertThat(answer).contains("a=ice-lite", "a=setup:passive", "a=fingerprint:sha-256");

        await("A: publisherStateUpdate PUBLISHING").atMost(MEDIA_DEADLINE).pollInterval(POLL)
                .until(() -> states(a, "publisherStateUpdate", "alice-mic").contains("PUBLISHING"));
        assertThat(states(a, "publisherStateUpdate", "alice-mic")).containsSubsequence("PUBLISH_REQUESTING", "PUBLISHING")
                .doesNotContain("NO_PUBLISH");

        assertThat(b.eval(login("media-room", "bob")).asBoolean()).isTrue();
        await("B: roomStreamUpdate ADD alice-mic").atMost(MEDIA_DEADLINE).pollInterval(POLL)
                .until(() -> BrowserSignallingTest.streamUpdates(b).contains("ADD:alice-mic"));
        JsonNode played = b.eval("rig.call(() => rig.play('alice-mic'))");
        assertThat(played.path("ok").asInt()).as("startPlayingStream: %s\n%s", played, b.consoleText()).isEqualTo(1);

        await("B: playerStateUpdate PLAYING").atMost(MEDIA_DEADLINE).pollInterval(POLL)
                .until(() -> states(b, "playerStateUpdate", "alice-mic").contains("PLAYING"));

        // Packets arrive, keep arriving, and carry sound (the fake microphone beeps).
        await("B: inbound-rtp audio packets").atMost(MEDIA_DEADLINE).pollInterval(POLL)
                .until(() -> inbound(b).path("packets").asLong() > 0);
        long first = inbound(b).path("packets").asLong();
        await("B: inbound-rtp packets growing past " + first).atMost(MEDIA_DEADLINE).pollInterval(POLL)
                .until(() -> inbound(b).path("packets").asLong() > first + 25);
        await("B: audio energy above zero").atMost(MEDIA_DEADLINE).pollInterval(POLL).until(() -> {
            JsonNode in = inbound(b);
            return in.path("audioLevel").asDouble() > 0 || in.path("totalAudioEnergy").asDouble() > 0;
        });
        assertThat(b.eval("rig.connection('alice-mic', 'play')").path("dtlsState").asText()).isEqualTo("connected");

        // The server measures both sides and reports every 3 s.
        await("A: publishQualityUpdate with packets").atMost(MEDIA_DEADLINE).pollInterval(POLL)
                .until(() -> a.eval("rig.eventsOf('publishQualityUpdate').some((e) => e[1].packets > 0)").asBoolean());
        await("B: playQualityUpdate with packets").atMost(MEDIA_DEADLINE).pollInterval(POLL)
                .until(() -> b.eval("rig.eventsOf('playQualityUpdate').some((e) => e[1].packets > 0)").asBoolean());

        // A stops: B's player ends (publisher_stopped) and the stream leaves the room.
        JsonNode stopped = a.eval("rig.call(() => rig.zg.stopPublishingStream('alice-mic'))");
        assertThat(stopped.path("ok").asBoolean()).as("stopPublishingStream: %s, A saw %s\n%s", stopped,
                a.eval("rig.events.filter((e) => !e.event.endsWith('QualityUpdate'))"), a.consoleText()).isTrue();
        await("B: NO_PLAY after the publisher stopped").atMost(MEDIA_DEADLINE).pollInterval(POLL)
                .until(() -> states(b, "playerStateUpdate", "alice-mic").contains("NO_PLAY"));
        JsonNode noPlay = b.eval("rig.eventsOf('playerStateUpdate').map((e) => e[0]).filter((r) => r.state === 'NO_PLAY')[0]");
        assertThat(noPlay.path("errorCode").asInt()).isZero();
        assertThat(noPlay.path("extendedData").asText()).contains("publisher_stopped");
        await("B: roomStreamUpdate DELETE").atMost(MEDIA_DEADLINE).pollInterval(POLL)
                .until(() -> BrowserSignallingTest.streamUpdates(b).contains("DELETE:alice-mic"));
        assertThat(b.eval("rig.zg._players.size").asInt()).isZero();
    }

    @Test
    void theDemoPageJoinsTwoTabsThatHearEachOther() throws Exception {
        Page one = rig.open("demo-1", "/?room=demo-room&user=ann");
        Page two = rig.open("demo-2", "/?room=demo-room&user=ben");
        one.run("document.getElementById('join').click()");
        await("demo-1 publishes").atMost(MEDIA_DEADLINE).pollInterval(POLL)
                .until(() -> one.isTrue("demo.states.some((s) => s[0] === 'publisher' && s[2] === 'PUBLISHING')"));
        two.run("document.getElementById('join').click()");

        for (Page[] pair : new Page[][] {{one, two}, {two, one}}) {
            Page listener = pair[0];
            String speaker = pair[1] == one ? "ann-mic" : "ben-mic";
            await(listener.name() + " plays " + speaker + " in an <audio> element").atMost(MEDIA_DEADLINE).pollInterval(POLL)
                    .until(() -> listener.isTrue("!!document.querySelector('[data-stream-id=\"" + speaker + "\"] audio')"));
            await(listener.name() + " receives sound from " + speaker).atMost(MEDIA_DEADLINE).pollInterval(POLL)
                    .until(() -> listener.isTrue("(async () => { const r = await demo.zg.getStats('" + speaker + "', 'play');"
                            + " if (!r) return false; for (const s of r.values()) if (s.type === 'inbound-rtp')"
                            + " return s.packetsReceived > 0 && (s.audioLevel > 0 || s.totalAudioEnergy > 0); return false; })()"));
        }
        assertThat(one.eval("document.getElementById('members').textContent").asText()).contains("ann", "ben");
        // "playing" is shown once the server said PLAYING, not when the play was merely negotiated.
        await("demo-1 shows ben-mic as playing").atMost(MEDIA_DEADLINE).pollInterval(POLL)
                .until(() -> one.isTrue("document.querySelector('[data-stream-id=\"ben-mic\"] .state').textContent === 'playing'"));
        assertThat(one.isTrue("demo.states.some((s) => s[0] === 'player' && s[1] === 'ben-mic' && s[2] === 'PLAYING')")).isTrue();
        one.screenshot(Path.of("target", "browser-demo-ann.png"));
        // A media failure is explained: what 1103028 means and what to set.
        one.run("explain({streamID: 'x-mic', state: 'NO_PUBLISH', errorCode: 1103028, extendedData: 'no ICE connectivity "
                + "check within 30000 ms at udp 10.0.0.9:10000'})");
        assertThat(one.eval("document.getElementById('hint').textContent").asText())
                .contains("1103028", "udp 10.0.0.9:10000", "PARLEY_MEDIA_ANNOUNCED_ADDRESS");

        two.run("document.getElementById('leave').click()");
        await("demo-1 drops ben's player").atMost(MEDIA_DEADLINE).pollInterval(POLL)
                .until(() -> one.isTrue("!document.querySelector('[data-stream-id=\"ben-mic\"]')"));
        assertThat(one.eval("document.getElementById('members').textContent").asText()).doesNotContain("ben");
    }

    private static JsonNode inbound(Page p) {
        return p.eval("rig.rtp('alice-mic', 'play', 'inbound-rtp')");
    }

    private static List<String> states(Page p, String event, String streamID) {
        List<String> out = new ArrayList<>();
        p.eval("rig.eventsOf('" + event + "')").forEach(args -> {
            if (args.get(0).path("streamID").asText().equals(streamID)) {
                out.add(args.get(0).path("state").asText());
            }
        });
        return out;
    }
}
