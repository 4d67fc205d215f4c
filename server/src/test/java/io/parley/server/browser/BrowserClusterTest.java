package io.parley.server.browser;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jaredmdobson.concentus.OpusApplication;
import io.github.jaredmdobson.concentus.OpusEncoder;
import io.parley.client.ParleyEngine;
import io.parley.client.media.Publisher;
import io.parley.protocol.RoomId;
import io.parley.server.TestServer;
import io.parley.server.cluster.RedisProcess;
import io.parley.server.config.ParleyConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A cluster of three nodes: Java members publishing tones on node-0 (where the room lives) and node-1 (relayed), and
 * a headless-Chromium member on node-2 (relayed) that hears both, each at its own pitch. Skipped without Chromium or
 * redis-server unless PARLEY_BROWSER_TESTS_REQUIRED / PARLEY_REDIS_TESTS_REQUIRED say they must be there.
 */
class BrowserClusterTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration POLL = Duration.ofMillis(250);
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closes(T c) {
        closing.add(c);
        return c;
    }

    @Test
    void aBrowserOnAThirdNodeHearsTwoMembersOnTheOtherTwo() throws Exception {
        Optional<Path> binary = Chromium.find();
        if (binary.isEmpty() && "true".equals(System.getenv(BrowserRig.REQUIRE_ENV))) {
            Assertions.fail(BrowserRig.MISSING + " (" + BrowserRig.REQUIRE_ENV + "=true)");
        }
        Assumptions.assumeTrue(binary.isPresent(), BrowserRig.MISSING + "; browser test skipped");
        RedisProcess redis = closes(RedisProcess.start());
        List<TestServer> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ParleyConfig c = TestServer.config().withCluster(new ParleyConfig.Cluster(redis.url(), "node-" + i,
                    Duration.ofSeconds(3), "127.0.0.1", "browser-cluster-secret-0123456789", 0));
            nodes.add(closes(TestServer.start(i == 2 ? c.withDev(true) : c)));
        }
        ParleyEngine alice = closes(ParleyEngine.create(TestServer.APP, nodes.get(0).wsUri()));
        ParleyEngine bob = closes(ParleyEngine.create(TestServer.APP, nodes.get(1).wsUri()));
        assertThat(alice.loginRoom("trio", token("alice"), user("alice"), withUserUpdates()).get(10, TimeUnit.SECONDS).code()).isZero();
        assertThat(bob.loginRoom("trio", token("bob"), user("bob"), withUserUpdates()).get(10, TimeUnit.SECONDS).code()).isZero();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        tone(alice.startPublishingMedia("alice-mic", "").get(20, TimeUnit.SECONDS), 440, failure);
        tone(bob.startPublishingMedia("bob-mic", "").get(20, TimeUnit.SECONDS), 880, failure);

        Chromium chromium = closes(Chromium.launch(binary.get(), Path.of("target", "chromium-cluster.log")));
        Page carol = chromium.newPage("carol", "http://127.0.0.1:" + nodes.get(2).server().port() + "/");
        await("page loads").atMost(BrowserRig.PAGE_LOAD).ignoreExceptions()
                .until(() -> carol.isTrue("document.readyState === 'complete' && typeof ParleyEngine === 'function'"));
        carol.eval(Harness.JS);
        assertThat(carol.eval("rig.login(" + TestServer.APP + ", '" + nodes.get(2).wsUri() + "', 'trio', 'carol', '"
                + token("carol") + "')").asBoolean()).as(carol.consoleText()).isTrue();
        // One room, on node-0; carol's and bob's sessions live there, relayed.
        assertThat(nodes.get(0).server().rooms().snapshot(TestServer.APP, "trio").join().userIds())
                .containsExactlyInAnyOrder("alice", "bob", "carol");
        assertThat(nodes.get(2).server().rooms().roomIds(TestServer.APP)).doesNotContain(new RoomId("trio"));
        for (String[] s : new String[][] {{"alice-mic", "440"}, {"bob-mic", "880"}}) {
            JsonNode played = carol.eval("rig.call(() => rig.play('" + s[0] + "'))");
            assertThat(played.path("ok").asInt()).as("startPlayingStream %s: %s\n%s", s[0], played, carol.consoleText()).isEqualTo(1);
            await("carol receives sound from " + s[0]).atMost(WAIT).pollInterval(POLL).until(() -> {
                JsonNode in = carol.eval("rig.rtp('" + s[0] + "', 'play', 'inbound-rtp')");
                return in.path("packets").asLong() > 25 && (in.path("audioLevel").asDouble() > 0
                        || in.path("totalAudioEnergy").asDouble() > 0);
            });
            double hz = carol.eval("rig.dominantFrequency(1500, '" + s[0] + "')", Duration.ofSeconds(10)).asDouble();
            assertThat(hz).as("the pitch carol hears in %s", s[0]).isCloseTo(Double.parseDouble(s[1]), org.assertj.core.data.Offset.offset(40.0));
        }
        assertThat(failure.get()).isNull();
    }

    /** Opus frames of 20 ms of a sine at {@code hz}, encoded here and sent in real time until the test ends. */
    private void tone(Publisher publisher, int hz, AtomicReference<Throwable> failure) throws Exception {
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        closes(clock::shutdownNow);
        OpusEncoder enc = new OpusEncoder(48000, 1, OpusApplication.OPUS_APPLICATION_AUDIO);
        long[] n = {0};
        clock.scheduleAtFixedRate(() -> {
            short[] pcm = new short[960];
            for (int k = 0; k < 960; k++) {
                pcm[k] = (short) (8000 * Math.sin(2 * Math.PI * hz * (n[0] * 960 + k) / 48000.0));
            }
            byte[] out = new byte[1275];
            try {
                int len = enc.encode(pcm, 0, 960, out, 0, out.length);
                publisher.sendAudio(Arrays.copyOf(out, len), n[0] * 960);
            } catch (Exception | Error e) {
                failure.compareAndSet(null, e); // a throwing task would stop silently
            }
            n[0]++;
        }, 0, 20, TimeUnit.MILLISECONDS);
    }
}
