package io.parley.server.sfu;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.client.media.MediaConfig;
import io.parley.client.media.Player;
import io.parley.client.media.Publisher;
import io.parley.client.media.ReceivedPacket;
import io.parley.protocol.media.Sdp;
import io.parley.protocol.signal.Messages;
import io.parley.server.TestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Publishers and players whose offers differ as third-party stacks' do (crafted from the Java client's offer): header
 * extension ids, mids. Each player must get what it negotiated, in its own terms.
 */
class MediaInteropEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String LEVEL_LINE = "a=extmap:1 " + Sdp.AUDIO_LEVEL_URI + "\r\n";

    private TestServer server;
    private final List<ParleyEngine> engines = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start();
    }

    @AfterEach
    void stop() {
        engines.forEach(ParleyEngine::close);
        server.close();
    }

    private ParleyEngine login(String userId) throws Exception {
        ParleyEngine e = server.engine();
        engines.add(e);
        assertThat(e.loginRoom("media", token(userId), user(userId), withUserUpdates()).get().code()).isZero();
        return e;
    }

    /** The Java client's offer with its one extmap line replaced by {@code extmaps} and its mid by {@code mid}. */
    static String crafted(String offer, String mid, String extmaps) {
        assertThat(offer).contains(LEVEL_LINE).contains("a=mid:0\r\n").contains("a=group:BUNDLE 0\r\n");
        return offer.replace(LEVEL_LINE, extmaps)
                .replace("a=mid:0\r\n", "a=mid:" + mid + "\r\n")
                .replace("a=group:BUNDLE 0\r\n", "a=group:BUNDLE " + mid + "\r\n");
    }

    static String extmap(int id, String uri) {
        return "a=extmap:" + id + " " + uri + "\r\n";
    }

    private Publisher publish(ParleyEngine engine, String streamId, String mid, String extmaps) throws Exception {
        Publisher pub = Publisher.create(streamId, MediaConfig.DEFAULTS).get(20, TimeUnit.SECONDS);
        Result r = engine.request(Messages.START_PUBLISHING,
                new Messages.StartPublishing(streamId, "", crafted(pub.offer(), mid, extmaps))).get();
        assertThat(r.code()).as(r.message()).isZero();
        return pub.connect(r.data().path("sdp").asText()).get(20, TimeUnit.SECONDS);
    }

    private Player play(ParleyEngine engine, String streamId, String mid, String extmaps, List<ReceivedPacket> sink)
            throws Exception {
        Player player = Player.create(streamId, MediaConfig.DEFAULTS, sink::add).get(20, TimeUnit.SECONDS);
        Result r = engine.request(Messages.START_PLAYING,
                new Messages.StartPlaying(streamId, crafted(player.offer(), mid, extmaps))).get();
        assertThat(r.code()).as(r.message()).isZero();
        return player.connect(r.data().path("sdp").asText()).get(20, TimeUnit.SECONDS);
    }

    private void awaitConnected(int n) {
        await().atMost(WAIT).until(() -> server.server().media().connectedTransportCount().join() == n);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void eachPlayerGetsTheAudioLevelUnderItsOwnIdAndItsOwnMidAndNothingElse() throws Exception {
        ParleyEngine alice = login("alice");
        ParleyEngine bob = login("bob");
        ParleyEngine carol = login("carol");
        // Alice publishes as Chromium does: level 1, mid 4 (mid "0").
        Publisher pub = publish(alice, "alice-mic", "0", extmap(1, Sdp.AUDIO_LEVEL_URI) + extmap(4, Sdp.MID_URI));
        assertThat(pub.transport().remote().midId()).isEqualTo(4);
        pub.setAudioLevel(48, true);
        // Bob plays as aiortc does: mid 1, level 2 (before the fix, Alice's level byte arrived under his mid's id).
        List<ReceivedPacket> atBob = new CopyOnWriteArrayList<>();
        play(bob, "alice-mic", "bob-audio", extmap(1, Sdp.MID_URI) + extmap(2, Sdp.AUDIO_LEVEL_URI), atBob);
        // Carol negotiates the level only, at id 9.
        List<ReceivedPacket> atCarol = new CopyOnWriteArrayList<>();
        play(carol, "alice-mic", "c", extmap(9, Sdp.AUDIO_LEVEL_URI), atCarol);
        awaitConnected(3);
        for (int i = 0; i < 20; i++) {
            assertThat(pub.sendFrame(new byte[] {(byte) i, 1, 2, 3})).isTrue();
        }
        await().atMost(WAIT).until(() -> atBob.size() >= 20 && atCarol.size() >= 20);
        for (ReceivedPacket p : atBob) {
            assertThat(p.audioLevel()).as("bob reads the level under his id 2").isEqualTo(48);
            assertThat(p.voiceActivity()).isTrue();
            assertThat(p.extensions()).containsOnlyKeys(1, 2);
            assertThat(p.extensions().get(1)).as("bob's own mid under his id 1").isEqualTo(ascii("bob-audio"));
            assertThat(p.extensions().get(2)).isEqualTo(new byte[] {(byte) (0x80 | 48)});
        }
        for (ReceivedPacket p : atCarol) {
            assertThat(p.audioLevel()).isEqualTo(48);
            assertThat(p.extensions()).as("carol negotiated no mid").containsOnlyKeys(9);
        }
    }

    @Test
    void anAiortcStylePublisherReachesAChromiumStylePlayer() throws Exception {
        ParleyEngine alice = login("alice");
        ParleyEngine bob = login("bob");
        Publisher pub = publish(alice, "alice-mic", "0", extmap(1, Sdp.MID_URI) + extmap(2, Sdp.AUDIO_LEVEL_URI));
        pub.setAudioLevel(20, false);
        List<ReceivedPacket> atBob = new CopyOnWriteArrayList<>();
        play(bob, "alice-mic", "0", extmap(1, Sdp.AUDIO_LEVEL_URI) + extmap(4, Sdp.MID_URI), atBob);
        awaitConnected(2);
        for (int i = 0; i < 10; i++) {
            pub.sendFrame(new byte[] {(byte) i, 9, 9});
        }
        await().atMost(WAIT).until(() -> atBob.size() >= 10);
        for (ReceivedPacket p : atBob) {
            // Before the fix Bob read Alice's mid byte ("0", 0x30) as a level of 48 dBov under his id 1.
            assertThat(p.audioLevel()).isEqualTo(20);
            assertThat(p.voiceActivity()).isFalse();
            assertThat(p.extensions()).containsOnlyKeys(1, 4);
            assertThat(p.extensions().get(4)).isEqualTo(ascii("0"));
        }
    }

    @Test
    void transportCcIsAnsweredToAPublisherAndNotToAPlayer() throws Exception {
        ParleyEngine alice = login("alice");
        ParleyEngine bob = login("bob");
        String twcc = extmap(3, Sdp.TRANSPORT_CC_URI);
        String feedback = "a=rtcp-mux\r\na=rtcp-fb:111 transport-cc\r\n";
        Publisher pub = Publisher.create("alice-mic", MediaConfig.DEFAULTS).get(20, TimeUnit.SECONDS);
        String offer = crafted(pub.offer(), "0", extmap(1, Sdp.AUDIO_LEVEL_URI) + twcc).replace("a=rtcp-mux\r\n", feedback);
        Result published = alice.request(Messages.START_PUBLISHING, new Messages.StartPublishing("alice-mic", "", offer)).get();
        assertThat(published.code()).as(published.message()).isZero();
        assertThat(published.data().path("sdp").asText()).contains(twcc, "a=rtcp-fb:111 transport-cc\r\n");
        pub.close();

        Player player = Player.create("alice-mic", MediaConfig.DEFAULTS, p -> { }).get(20, TimeUnit.SECONDS);
        String playOffer = crafted(player.offer(), "0", extmap(1, Sdp.AUDIO_LEVEL_URI) + twcc).replace("a=rtcp-mux\r\n", feedback);
        Result played = bob.request(Messages.START_PLAYING, new Messages.StartPlaying("alice-mic", playOffer)).get();
        assertThat(played.code()).as(played.message()).isZero();
        // The server does no bandwidth estimation toward players: no transport-wide numbers, no feedback asked for.
        assertThat(played.data().path("sdp").asText()).doesNotContain(Sdp.TRANSPORT_CC_URI, "transport-cc")
                .contains(extmap(1, Sdp.AUDIO_LEVEL_URI));
        player.close();
    }

    @Test
    void aGstreamerStyleOpusWithoutChannelCountIsAcceptedWithAWarning() throws Exception {
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(MediaSessions.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
                new ch.qos.logback.core.read.ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        try {
            ParleyEngine alice = login("alice");
            ParleyEngine bob = login("bob");
            Publisher pub = Publisher.create("gst-mic", MediaConfig.DEFAULTS).get(20, TimeUnit.SECONDS);
            String offer = pub.offer().replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:111 OPUS/48000");
            assertThat(offer).contains("a=rtpmap:111 OPUS/48000\r\n");
            Result r = alice.request(Messages.START_PUBLISHING, new Messages.StartPublishing("gst-mic", "", offer)).get();
            assertThat(r.code()).as(r.message()).isZero();
            assertThat(r.data().path("sdp").asText()).contains("a=rtpmap:111 opus/48000/2");
            pub.connect(r.data().path("sdp").asText()).get(20, TimeUnit.SECONDS);
            assertThat(logs.list).anySatisfy(e -> {
                assertThat(e.getLevel()).isEqualTo(ch.qos.logback.classic.Level.WARN);
                assertThat(e.getFormattedMessage()).contains("gst-mic", "no channel count");
            });
            List<ReceivedPacket> got = new CopyOnWriteArrayList<>();
            bob.startPlaying("gst-mic", got::add).get(20, TimeUnit.SECONDS);
            awaitConnected(2);
            for (int i = 0; i < 5; i++) {
                pub.sendFrame(new byte[] {(byte) i});
            }
            await().atMost(WAIT).until(() -> got.size() >= 5);
        } finally {
            logger.detachAppender(logs);
        }
    }

    /** The Java client's offer, Opus at {@code opus} and RED ({@code red/48000/2}, fmtp opus/opus) at {@code red}. */
    static String withRed(String offer, int opus, int red) {
        assertThat(offer).contains("UDP/TLS/RTP/SAVPF 111\r\n", "a=rtpmap:111 opus/48000/2\r\n", "a=fmtp:111 ");
        return offer.replace("UDP/TLS/RTP/SAVPF 111\r\n", "UDP/TLS/RTP/SAVPF " + red + " " + opus + "\r\n")
                .replace("a=rtpmap:111 opus/48000/2\r\n", "a=rtpmap:" + opus + " opus/48000/2\r\n"
                        + "a=rtpmap:" + red + " red/48000/2\r\na=fmtp:" + red + " " + opus + "/" + opus + "\r\n")
                .replace("a=fmtp:111 ", "a=fmtp:" + opus + " ");
    }

    @Test
    void redPassesToARedPlayerAndIsStrippedForAPlainOne() throws Exception {
        ParleyEngine alice = login("alice");
        ParleyEngine bob = login("bob");
        ParleyEngine carol = login("carol");
        Publisher pub = Publisher.create("alice-mic", MediaConfig.DEFAULTS).get(20, TimeUnit.SECONDS);
        Result r = alice.request(Messages.START_PUBLISHING,
                new Messages.StartPublishing("alice-mic", "", withRed(pub.offer(), 111, 63))).get();
        assertThat(r.code()).as(r.message()).isZero();
        assertThat(r.data().path("sdp").asText()).contains("SAVPF 63 111\r\n", "a=fmtp:63 111/111\r\n");
        pub.connect(r.data().path("sdp").asText()).get(20, TimeUnit.SECONDS);
        // Bob negotiates RED too, at other payload types: Opus 109, RED 100.
        List<ReceivedPacket> atBob = new CopyOnWriteArrayList<>();
        Player bobPlayer = Player.create("alice-mic", MediaConfig.DEFAULTS, atBob::add).get(20, TimeUnit.SECONDS);
        Result rb = bob.request(Messages.START_PLAYING,
                new Messages.StartPlaying("alice-mic", withRed(bobPlayer.offer(), 109, 100))).get();
        assertThat(rb.code()).as(rb.message()).isZero();
        bobPlayer.connect(rb.data().path("sdp").asText()).get(20, TimeUnit.SECONDS);
        // Carol is the plain Java client: no RED.
        List<ReceivedPacket> atCarol = new CopyOnWriteArrayList<>();
        carol.startPlaying("alice-mic", atCarol::add).get(20, TimeUnit.SECONDS);
        awaitConnected(3);
        int n = 10;
        for (int i = 1; i <= n; i++) {
            assertThat(pub.sendRedFrame(new byte[] {(byte) (i - 1), 0x11}, new byte[] {(byte) i, 0x22, 0x33})).isTrue();
        }
        await().atMost(WAIT).until(() -> atBob.size() >= n && atCarol.size() >= n);
        for (int k = 0; k < n; k++) {
            int i = k + 1;
            ReceivedPacket b = atBob.get(k);
            assertThat(b.payloadType()).isEqualTo(100);
            assertThat(b.payload()).as("RED as sent, its block payload types now bob's Opus").isEqualTo(new byte[] {
                    (byte) (0x80 | 109), 0x0f, 0x00, 0x02, 109, (byte) (i - 1), 0x11, (byte) i, 0x22, 0x33});
            ReceivedPacket c = atCarol.get(k);
            assertThat(c.payloadType()).isEqualTo(111);
            assertThat(c.payload()).as("the primary block only").isEqualTo(new byte[] {(byte) i, 0x22, 0x33});
        }
    }
}
