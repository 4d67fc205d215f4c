package io.parley.server.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.TestServer;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Chromium as a publisher negotiates transport-cc with the server and its send-side bandwidth estimator runs on the
 * server's TWCC feedback: the selected candidate pair reports {@code availableOutgoingBitrate}, which Chromium fills
 * from its estimator only when feedback arrives. A second publisher whose offer drops the extension (the control)
 * gets no feedback and no estimate, so the difference is the feedback.
 */
class BrowserTransportCcTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final Duration POLL = Duration.ofMillis(250);
    private static final String TWCC = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
    private static BrowserRig rig;

    /** Page script: the publisher's selected candidate pair's availableOutgoingBitrate, or -1 when absent. */
    private static final String ESTIMATE = """
            (async () => {
              const r = await rig.zg.getStats('%s', 'publish');
              if (!r) return -2;
              let pair = null;
              for (const s of r.values()) if (s.type === 'transport' && s.selectedCandidatePairId) pair = r.get(s.selectedCandidatePairId);
              return pair && pair.availableOutgoingBitrate !== undefined ? pair.availableOutgoingBitrate : -1;
            })()""";

    /** Page script: the publisher's RTP payload bit rate over one second, from outbound-rtp bytesSent. */
    private static final String SEND_RATE = """
            (async () => {
              const sample = async () => {
                const r = await rig.zg.getStats('%1$s', 'publish');
                for (const s of r.values()) if (s.type === 'outbound-rtp') return [s.bytesSent, s.timestamp];
                return [0, 0];
              };
              const [b0, t0] = await sample();
              await new Promise((r) => setTimeout(r, 1000));
              const [b1, t1] = await sample();
              return t1 > t0 ? (b1 - b0) * 8000 / (t1 - t0) : -1;
            })()""";

    /** Page script: offers made by this page lose the transport-cc extension and feedback (the control). */
    private static final String STRIP_TWCC = """
            (() => {
              const create = RTCPeerConnection.prototype.createOffer;
              RTCPeerConnection.prototype.createOffer = async function (...a) {
                const offer = await create.apply(this, a);
                const sdp = offer.sdp.split('\\r\\n').filter((l) => !l.includes('transport-wide-cc')
                    && !l.endsWith(' transport-cc')).join('\\r\\n');
                return {type: offer.type, sdp: sdp};
              };
              return true;
            })()""";

    @BeforeAll
    static void start() throws Exception {
        rig = BrowserRig.startIfAvailable("transport-cc");
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

    private static String login(String user) {
        return "rig.login(" + rig.appId() + ", '" + rig.wsUrl() + "', 'twcc-room', '" + user + "', '"
                + TestServer.token(user) + "')";
    }

    @Test
    void chromiumsBandwidthEstimatorRunsOnTheServersFeedback() {
        Page control = rig.open("no-twcc");
        assertThat(control.eval(STRIP_TWCC).asBoolean()).isTrue();
        assertThat(control.eval(login("carol")).asBoolean()).isTrue();
        JsonNode plain = control.eval("rig.call(() => rig.publishTone('carol-mic', 500))");
        assertThat(plain.path("ok").asBoolean()).as("control publish: %s", plain).isTrue();

        Page page = rig.open("twcc");
        assertThat(page.eval(login("alice")).asBoolean()).isTrue();
        JsonNode published = page.eval("rig.call(() => rig.publishTone('alice-mic', 700))");
        assertThat(published.path("ok").asBoolean()).as("publish: %s\n%s", published, page.consoleText()).isTrue();
        String offer = page.eval("rig.zg._publishers.get('alice-mic').pc.localDescription.sdp").asText();
        String answer = page.eval("rig.zg._publishers.get('alice-mic').pc.remoteDescription.sdp").asText();
        assertThat(offer).contains(TWCC);
        assertThat(answer).containsPattern("a=extmap:\\d+ " + TWCC.replace(".", "\\."))
                .containsPattern("a=rtcp-fb:\\d+ transport-cc");
        assertThat(control.eval("rig.zg._publishers.get('carol-mic').pc.remoteDescription.sdp").asText())
                .doesNotContain("transport-cc", TWCC);

        long before = rig.server().server().media().counters().transportCcFeedback();
        await("the server sends TWCC feedback").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> rig.server().server().media().counters().transportCcFeedback() > before + 20);
        await("Chromium estimates its outgoing bandwidth from the feedback").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> page.eval(ESTIMATE.formatted("alice-mic")).asDouble() > 0);
        // Both publishers have sent media for as long; only the one with feedback has an estimate.
        await("the control publishes").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> control.eval("rig.rtp('carol-mic', 'publish', 'outbound-rtp')").path("packets").asLong() > 100);
        // Without feedback Chromium's estimate climbs ~8 % a second from RTCP receiver reports alone (nothing says the
        // path is full). With feedback it is tied to what the feedback acknowledges: it drops to a small multiple of
        // the publisher's rate and stays there. Feedback that reported the packets lost would drive it below that rate.
        double first = control.eval(ESTIMATE.formatted("carol-mic")).asDouble();
        assertThat(first).as("the control's first estimate").isPositive();
        await("the control's estimate doubles without feedback").atMost(Duration.ofSeconds(30)).pollInterval(POLL)
                .until(() -> control.eval(ESTIMATE.formatted("carol-mic")).asDouble() > 2 * first);
        double withFeedback = page.eval(ESTIMATE.formatted("alice-mic")).asDouble();
        double rate = page.eval(SEND_RATE.formatted("alice-mic")).asDouble();
        assertThat(rate).as("alice's RTP payload bit rate").isBetween(8_000.0, 200_000.0);
        assertThat(withFeedback).as("the estimate with feedback (payload rate %.0f bit/s)", rate)
                .isBetween(rate, 6 * rate)
                .isLessThan(control.eval(ESTIMATE.formatted("carol-mic")).asDouble() / 2);
    }

    /** Chromium bundling two published streams negotiates transport-cc on each m-line under one id. */
    @Test
    void aBundledPublisherNegotiatesTransportCcOnEveryMLine() {
        Page page = rig.open("twcc-bundle");
        assertThat(page.eval("(rig.bundle = true, " + login("dave") + ")").asBoolean()).isTrue();
        JsonNode first = page.eval("rig.call(() => rig.publishTone('dave-low', 440))");
        assertThat(first.path("ok").asBoolean()).as("publish: %s\n%s", first, page.consoleText()).isTrue();
        JsonNode second = page.eval("rig.call(() => rig.publishTone('dave-high', 900))");
        assertThat(second.path("ok").asBoolean()).as("publish: %s\n%s", second, page.consoleText()).isTrue();
        assertThat(page.eval("rig.zg._publishers.get('dave-low').pc === rig.zg._publishers.get('dave-high').pc")
                .asBoolean()).as("one RTCPeerConnection").isTrue();
        String answer = page.eval("rig.zg._publishers.get('dave-high').pc.remoteDescription.sdp").asText();
        // Both m-lines keep the extension, under the one id of the bundle, and ask for feedback. That the server then
        // sends one feedback stream for the transport, covering both m-lines' packets, is SessionTransportTest's (this
        // rig's feedback counter also counts the other test's publishers, so it cannot tell).
        Pattern extmap = Pattern.compile("a=extmap:(\\d+) " + TWCC.replace(".", "\\."));
        Set<String> ids = new HashSet<>();
        int sections = 0;
        for (String section : answer.split("\r\nm=")) {
            if (section.startsWith("audio")) {
                sections++;
                Matcher m = extmap.matcher(section);
                assertThat(m.find()).as("transport-cc extmap in %s", section).isTrue();
                ids.add(m.group(1));
                assertThat(section).containsPattern("a=rtcp-fb:\\d+ transport-cc");
            }
        }
        assertThat(sections).isEqualTo(2);
        assertThat(ids).hasSize(1);
    }
}
