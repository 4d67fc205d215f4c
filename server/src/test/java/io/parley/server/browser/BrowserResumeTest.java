package io.parley.server.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.server.CutProxy;
import io.parley.server.TestServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * parley.js resumes its session after its WebSocket is cut (a TCP proxy resets it and refuses new connections for a
 * while): page A publishes Chromium's fake microphone, page B plays it, A's signalling goes through the proxy. A's
 * audio keeps reaching B throughout, with no stall as long as A's reconnect, and B sees nothing of A's absence.
 */
class BrowserResumeTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final Duration POLL = Duration.ofMillis(100);
    private static BrowserRig rig;
    private static CutProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        rig = BrowserRig.startIfAvailable("resume");
        if (rig != null) {
            proxy = new CutProxy(rig.server().server().port());
        }
    }

    @BeforeEach
    void requireBrowser() {
        BrowserRig.assumeStarted(rig);
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (rig != null) {
            rig.close();
        }
    }

    private static String login(String ws, String room, String user) {
        return "rig.login(" + rig.appId() + ", '" + ws + "', '" + room + "', '" + user + "', '" + TestServer.token(user) + "')";
    }

    @Test
    void theCutPagesAudioKeepsFlowingAndItsSessionResumes() {
        Page a = rig.open("A");
        Page b = rig.open("B");
        assertThat(a.eval(login(proxy.wsUri().toString(), "resume-room", "alice")).asBoolean()).isTrue();
        a.run("window.states = []; rig.zg.on('roomStateChanged', (r, reason, code, ext) => window.states.push("
                + "{reason: reason, code: code, ext: ext, at: performance.now()}));"
                + "rig.zg.on('roomStateUpdate', (r, state, code) => window.states.push({legacy: state, code: code}))");
        assertThat(a.eval("rig.call(() => rig.publish('alice-mic'))").path("ok").asBoolean()).isTrue();
        assertThat(b.eval(login(rig.wsUrl(), "resume-room", "bob")).asBoolean()).isTrue();
        await("B: stream listed").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> BrowserSignallingTest.streamUpdates(b).contains("ADD:alice-mic"));
        assertThat(b.eval("rig.call(() => rig.play('alice-mic'))").path("ok").asInt()).isEqualTo(1);
        await("B: audio arrives").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> b.eval("rig.rtp('alice-mic', 'play', 'inbound-rtp')").path("packets").asLong() > 25);
        // B samples its received packet count every 50 ms from here on.
        b.run("window.samples = []; window.sampler = setInterval(async () => { const r = await rig.rtp('alice-mic', 'play',"
                + " 'inbound-rtp'); window.samples.push([performance.now(), r ? r.packets : 0]); }, 50)");
        await("B: sampling").atMost(DEADLINE).pollInterval(POLL).until(() -> b.eval("window.samples.length").asInt() > 10);

        int before = proxy.accepted();
        proxy.refuse();
        proxy.cut();
        await("A: RECONNECTING").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> a.isTrue("window.states.some((s) => s.reason === 'RECONNECTING' && s.code === 1000017)"));
        // The network stays down for a few of A's attempts.
        await("A: retries while the network is down").atMost(DEADLINE).pollInterval(POLL).until(() -> proxy.accepted() >= before + 3);
        proxy.allow();
        await("A: RECONNECTED").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> a.isTrue("window.states.some((s) => s.reason === 'RECONNECTED')"));
        long atResume = b.eval("window.samples[window.samples.length - 1][1]").asLong();
        await("B: audio after the resume").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> b.eval("window.samples[window.samples.length - 1][1]").asLong() > atResume + 50);
        b.run("clearInterval(window.sampler)");

        double reconnectMs = a.eval("(() => { const s = window.states; const from = s.find((x) => x.reason === 'RECONNECTING');"
                + " const to = s.find((x) => x.reason === 'RECONNECTED'); return to.at - from.at; })()").asDouble();
        double longestStallMs = b.eval("(() => { let max = 0, last = null; for (const [t, p] of window.samples) {"
                + " if (last === null || p > last.p) { if (last !== null) max = Math.max(max, t - last.t); last = {t: t, p: p}; } }"
                + " return max; })()").asDouble();
        assertThat(reconnectMs).as("A's reconnect").isGreaterThan(0);
        assertThat(longestStallMs).as("B's longest time without a new packet (A reconnected in %.0f ms)", reconnectMs)
                .isLessThan(reconnectMs).isLessThan(1000);
        // From the cut on (the login's own LOGINED may have come after the listeners were added, or before).
        String since = "window.states.slice(window.states.findIndex((s) => s.reason === 'RECONNECTING'))";
        assertThat(a.eval(since + ".filter((s) => s.reason).map((s) => s.reason + ':' + s.code + (s.ext ? ':' + s.ext : ''))")
                .toString()).isEqualTo("[\"RECONNECTING:1000017\",\"RECONNECTED:0\"]");
        assertThat(a.eval(since + ".filter((s) => s.legacy).map((s) => s.legacy)").toString())
                .isEqualTo("[\"CONNECTING\",\"CONNECTED\"]");
        // A kept its publisher, and B never heard of A leaving.
        assertThat(a.isTrue("rig.zg._publishers.has('alice-mic')")).isTrue();
        assertThat(b.eval("rig.eventsOf('roomUserUpdate').filter((e) => e[1] === 'DELETE').length").asInt()).isZero();
        assertThat(BrowserSignallingTest.streamUpdates(b)).doesNotContain("DELETE:alice-mic");
        assertThat(b.eval("rig.eventsOf('playerStateUpdate').filter((e) => e[0].state === 'NO_PLAY').length").asInt()).isZero();
        // The resumed session works: A stops its stream and B is told.
        assertThat(a.eval("rig.call(() => rig.zg.stopPublishingStream('alice-mic'))").path("ok").asBoolean()).isTrue();
        await("B: DELETE after A's stop").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> BrowserSignallingTest.streamUpdates(b).contains("DELETE:alice-mic"));
    }
}
