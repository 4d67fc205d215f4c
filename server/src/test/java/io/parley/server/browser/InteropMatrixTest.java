package io.parley.server.browser;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jaredmdobson.concentus.OpusApplication;
import io.github.jaredmdobson.concentus.OpusDecoder;
import io.github.jaredmdobson.concentus.OpusEncoder;
import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.client.media.Publisher;
import io.parley.client.media.ReceivedPacket;
import io.parley.protocol.signal.Messages;
import io.parley.server.rtmp.ToneDetector;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Four WebRTC stacks through one server, every pairing: aiortc, Chromium (parley.js), GStreamer webrtcbin and the
 * Java client each publish a tone of their own frequency and play the three others', and each player checks that
 * the frequency it hears is its publisher's. One server, the four publishers together, the twelve plays at once.
 *
 * <p>Skipped when Chromium, aiortc or GStreamer (python3-gi with webrtcbin, opus and nice) is missing, unless the
 * matching PARLEY_*_TESTS_REQUIRED is true (CI), where that fails.
 *
 * <p>Limits of the other stacks, worked around in the scripts, not the server: libnice (GStreamer's ICE) leaves
 * loopback interfaces out of its host candidates, so gstreamer/peer.py adds 127.0.0.1 as a local address (a real
 * client reaches a server on a routable address); GStreamer 1.22 writes {@code OPUS/48000} without a channel count
 * in a recvonly offer, which the server accepts with a warning; and its Python binding must keep its own reference to
 * webrtcbin's ICE agent or the agent is freed under webrtcbin.
 */
class InteropMatrixTest {
    static final String GSTREAMER_REQUIRE_ENV = "PARLEY_GSTREAMER_TESTS_REQUIRED";
    static final String AIORTC_REQUIRE_ENV = "PARLEY_AIORTC_TESTS_REQUIRED";
    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final Duration POLL = Duration.ofMillis(250);
    private static final String GSTREAMER_PROBE = "import gi; gi.require_version('Gst', '1.0');"
            + " gi.require_version('GstWebRTC', '1.0'); gi.require_version('GstSdp', '1.0');"
            + " gi.require_version('Nice', '0.1'); from gi.repository import Gst, GstWebRTC, GstSdp, Nice; Gst.init(None);"
            + " missing = [e for e in ('webrtcbin', 'nicesrc', 'opusenc', 'opusdec', 'rtpopuspay', 'rtpopusdepay',"
            + " 'audiotestsrc', 'appsink') if Gst.ElementFactory.find(e) is None];"
            + " assert not missing, missing";
    /** Seconds of audio each script player measures. */
    private static final int SECONDS = 2;

    /** Each stack's tone: far enough apart that a player measuring the wrong stream fails (±300 Hz neighbours). */
    enum Stack {
        AIORTC(600), CHROMIUM(900), GSTREAMER(1200), JAVA(1500);

        final int hz;

        Stack(int hz) {
            this.hz = hz;
        }

        String user() {
            return name().toLowerCase();
        }

        String stream() {
            return user() + "-tone";
        }
    }

    private static BrowserRig rig;
    private static String aiortc;
    private static String gstreamer;
    private static String missing;

    private final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();
    private final Map<Stack, ParleyEngine> engines = new EnumMap<>(Stack.class);
    private final java.util.concurrent.atomic.AtomicLong javaSent = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicReference<Throwable> javaFailure =
            new java.util.concurrent.atomic.AtomicReference<>();
    /** The aiortc and GStreamer processes ("multi" mode: one connection per id). */
    private final Map<Stack, ScriptPeer> scripts = new EnumMap<>(Stack.class);

    @BeforeAll
    static void start() throws Exception {
        aiortc = ScriptPeer.python("import aiortc");
        gstreamer = ScriptPeer.python(GSTREAMER_PROBE);
        if (aiortc == null) {
            missing = "no python3 with aiortc (apt-get install python3-aiortc)";
            requireOrSkip(AIORTC_REQUIRE_ENV);
        } else if (gstreamer == null) {
            missing = "no python3 with GStreamer webrtcbin (apt-get install python3-gi gir1.2-gstreamer-1.0"
                    + " gir1.2-gst-plugins-bad-1.0 gir1.2-nice-0.1 gstreamer1.0-plugins-bad gstreamer1.0-plugins-good"
                    + " gstreamer1.0-plugins-base gstreamer1.0-nice)";
            requireOrSkip(GSTREAMER_REQUIRE_ENV);
        } else {
            rig = BrowserRig.startIfAvailable("interop-matrix");
        }
    }

    private static void requireOrSkip(String env) {
        if ("true".equals(System.getenv(env))) {
            Assertions.fail(missing + " (" + env + "=true, so this is a failure, not a skip)");
        }
    }

    @AfterEach
    void closePeers() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        engines.values().forEach(ParleyEngine::close);
    }

    @AfterAll
    static void stop() {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void everyStackHearsEveryOtherStacksToneAtItsFrequency() throws Exception {
        Assumptions.assumeTrue(missing == null, () -> missing + "; interop matrix skipped");
        BrowserRig.assumeStarted(rig);
        for (Stack s : Stack.values()) {
            if (s != Stack.CHROMIUM) {
                ParleyEngine e = rig.server().engine();
                engines.put(s, e);
                assertThat(e.loginRoom("matrix", token(s.user()), user(s.user()), withUserUpdates()).get().code()).isZero();
            }
        }
        Page page = rig.open("matrix");
        assertThat(page.eval("rig.login(" + rig.appId() + ", '" + rig.wsUrl() + "', 'matrix', 'chromium', '"
                + token("chromium") + "')").asBoolean()).isTrue();

        // One process per Python stack serves all its connections; the four publishers start together.
        scripts.put(Stack.AIORTC, new ScriptPeer("aiortc", aiortc, "/aiortc/peer.py", "multi"));
        scripts.put(Stack.GSTREAMER, new ScriptPeer("gstreamer", gstreamer, "/gstreamer/peer.py", "multi"));
        closing.addAll(scripts.values());
        for (Stack s : scripts.keySet()) {
            scripts.get(s).send(Map.of("id", "publish", "publish", s.hz));
        }
        publishJavaTone(engines.get(Stack.JAVA).startPublishingMedia(Stack.JAVA.stream(), "").get(20, TimeUnit.SECONDS));
        JsonNode chromium = page.eval("rig.call(() => rig.publishTone('" + Stack.CHROMIUM.stream() + "', "
                + Stack.CHROMIUM.hz + "))");
        assertThat(chromium.path("ok").asBoolean()).as("Chromium publishes: %s\n%s", chromium, page.consoleText()).isTrue();
        for (Stack s : scripts.keySet()) {
            answer(s, "publish", Messages.START_PUBLISHING, s.stream());
        }

        // Every publisher sends before anyone plays, so a publisher that fails says so here, not as three pairings.
        await("the Java publisher sends").atMost(WAIT).pollInterval(POLL).until(() -> javaSent.get() > 10);
        for (Stack s : scripts.keySet()) {
            scripts.get(s).await("publish", n -> n.path("state").asText().matches("connected|completed"), WAIT);
        }
        await("Chromium publishes").atMost(WAIT).pollInterval(POLL).until(() -> page.isTrue(
                "rig.eventsOf('publisherStateUpdate').some((e) => e[0].state === 'PUBLISHING')"));

        // The twelve plays, at once: script and Java players on a pool, Chromium's in its page.
        ExecutorService pool = Executors.newFixedThreadPool(9);
        closing.add(pool::shutdownNow);
        Map<String, Future<String>> results = new java.util.LinkedHashMap<>();
        for (Stack player : Stack.values()) {
            for (Stack publisher : Stack.values()) {
                if (player == publisher || player == Stack.CHROMIUM) {
                    continue;
                }
                results.put(publisher + " -> " + player, pool.submit(pairing(publisher, player)));
            }
        }
        List<Stack> chromiumHears = Arrays.stream(Stack.values()).filter(s -> s != Stack.CHROMIUM).toList();
        for (Stack publisher : chromiumHears) {
            JsonNode played = page.eval("rig.call(() => rig.play('" + publisher.stream() + "'))");
            assertThat(played.path("ok").asInt()).as("Chromium plays %s: %s\n%s", publisher, played, page.consoleText())
                    .isEqualTo(1);
        }
        List<String> failures = new ArrayList<>();
        for (Stack publisher : chromiumHears) {
            String stream = publisher.stream();
            try {
                await("Chromium receives " + stream).atMost(WAIT).pollInterval(POLL).until(() -> page.isTrue(
                        "(async () => { const r = await rig.zg.getStats('" + stream + "', 'play'); if (!r) return false;"
                        + " for (const s of r.values()) if (s.type === 'inbound-rtp') return s.packetsReceived > 100;"
                        + " return false; })()"));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                failures.add(publisher + " -> CHROMIUM: no packets (" + e.getMessage() + ")");
            }
        }
        JsonNode heard = page.eval("Promise.all([" + String.join(", ", chromiumHears.stream()
                .map(s -> "rig.dominantFrequency(2000, '" + s.stream() + "')").toList()) + "])", Duration.ofSeconds(30));
        for (int i = 0; i < chromiumHears.size(); i++) {
            Stack publisher = chromiumHears.get(i);
            double hz = heard.get(i).asDouble();
            if (Math.abs(hz - publisher.hz) > 25) {
                failures.add(publisher + " -> CHROMIUM: loudest " + Math.round(hz) + " Hz (expected " + publisher.hz + ")");
            }
        }
        for (Map.Entry<String, Future<String>> r : results.entrySet()) {
            String failure;
            try {
                failure = r.getValue().get(WAIT.toSeconds() + 20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                failure = String.valueOf(e.getCause());
            }
            if (failure != null) {
                failures.add(r.getKey() + ": " + failure);
            }
        }
        assertThat(failures).as("pairings (publisher -> player) that did not carry the tone (the Java publisher sent %d"
                + " packets, failure: %s)", javaSent.get(), javaFailure.get()).isEmpty();
    }

    /** Carries a script connection's offer over its stack's signalling session and the server's answer back. */
    private void answer(Stack as, String id, String type, String stream) throws Exception {
        ScriptPeer peer = scripts.get(as);
        String offer = peer.await(id, n -> n.has("offer"), WAIT).get("offer").asText();
        Object request = type.equals(Messages.START_PUBLISHING) ? new Messages.StartPublishing(stream, "", offer)
                : new Messages.StartPlaying(stream, offer);
        Result r = engines.get(as).request(type, request).get(20, TimeUnit.SECONDS);
        assertThat(r.code()).as("%s %s %s: %s", as, type, stream, r.message()).isZero();
        peer.send(Map.of("id", id, "answer", r.data().path("sdp").asText()));
    }

    /** One pairing; null when the player heard the publisher's tone, else what went wrong. */
    private Callable<String> pairing(Stack publisher, Stack player) {
        return () -> {
            if (player == Stack.JAVA) {
                return javaHears(publisher);
            }
            String id = "play-" + publisher.stream();
            scripts.get(player).send(Map.of("id", id, "play", publisher.hz, "seconds", SECONDS));
            answer(player, id, Messages.START_PLAYING, publisher.stream());
            JsonNode heard = scripts.get(player).await(id, n -> n.has("toneFraction"), WAIT);
            double fraction = heard.get("toneFraction").asDouble();
            return fraction > 0.7 ? null : publisher.hz + " Hz in " + Math.round(fraction * 100) + " % of windows: " + heard;
        };
    }

    private String javaHears(Stack publisher) throws Exception {
        List<ReceivedPacket> got = new CopyOnWriteArrayList<>();
        engines.get(Stack.JAVA).startPlaying(publisher.stream(), got::add).get(20, TimeUnit.SECONDS);
        await("the Java player receives " + publisher.stream()).atMost(WAIT).until(() -> got.size() >= 150);
        OpusDecoder dec = new OpusDecoder(48000, 1);
        short[] frame = new short[5760];
        ByteArrayOutputStream pcm = new ByteArrayOutputStream();
        for (ReceivedPacket p : List.copyOf(got).subList(25, 150)) { // past the first half second
            int n = dec.decode(p.payload(), 0, p.payload().length, frame, 0, 5760, false);
            for (int k = 0; k < n; k += 3) { // 48 kHz -> 16 kHz
                pcm.write(frame[k] & 0xFF);
                pcm.write((frame[k] >> 8) & 0xFF);
            }
        }
        double fraction = ToneDetector.toneFraction(ToneDetector.s16le(pcm.toByteArray()), publisher.hz, 16000, 800, 20);
        return fraction > 0.7 ? null : publisher.hz + " Hz in " + Math.round(fraction * 100) + " % of windows";
    }

    /** The Java client's tone: Opus frames of 20 ms, encoded here, sent in real time. */
    private void publishJavaTone(Publisher publisher) {
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        closing.add(clock::shutdownNow);
        OpusEncoder enc;
        try {
            enc = new OpusEncoder(48000, 1, OpusApplication.OPUS_APPLICATION_AUDIO);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        long[] n = {0};
        clock.scheduleAtFixedRate(() -> {
            short[] pcm = new short[960];
            for (int k = 0; k < 960; k++) {
                pcm[k] = (short) (8000 * Math.sin(2 * Math.PI * Stack.JAVA.hz * (n[0] * 960 + k) / 48000.0));
            }
            byte[] out = new byte[1275];
            try {
                int len = enc.encode(pcm, 0, 960, out, 0, out.length);
                if (publisher.sendAudio(Arrays.copyOf(out, len), n[0] * 960)) {
                    javaSent.incrementAndGet();
                }
            } catch (Exception | Error e) {
                javaFailure.compareAndSet(null, e); // a throwing task would stop silently
            }
            n[0]++;
        }, 0, 20, TimeUnit.MILLISECONDS);
    }
}
