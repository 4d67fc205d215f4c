package io.parley.server.rtmp;

import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.jaredmdobson.concentus.OpusApplication;
import io.github.jaredmdobson.concentus.OpusDecoder;
import io.github.jaredmdobson.concentus.OpusEncoder;
import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.client.media.Publisher;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.Messages;
import io.parley.server.Pushes;
import io.parley.server.TestServer;
import io.parley.server.auth.StreamKeys;
import io.parley.server.config.AppConfig;
import io.parley.server.metrics.Scrape;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * WeChat mini-program media through the whole server, with clients nobody here wrote: ffmpeg pushes AAC over RTMP to
 * the URL startPublishing gave (as {@code <live-pusher>} would) and plays the HTTP-FLV and RTMP URLs startPlaying
 * gave (as {@code <live-player>} would); Java-client WebRTC players and publishers share the room. Every check is on
 * decoded audio: the tone's frequency must be found.
 */
class MiniProgramEndToEndTest {
    private static final Duration LONG = Duration.ofSeconds(40);
    private TestServer server;
    private final List<AutoCloseable> closers = new ArrayList<>();

    @BeforeAll
    static void ffmpeg() {
        Ffmpeg.assumeAvailable();
    }

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closers) {
            c.close();
        }
        server.close();
    }

    private ParleyEngine login(String room, String userId) throws Exception {
        ParleyEngine e = server.engine();
        closers.add(0, e);
        Result r = e.loginRoom(room, TestServer.token(userId), user(userId), withUserUpdates()).get(10, TimeUnit.SECONDS);
        assertThat(r.code()).as(r.message()).isZero();
        return e;
    }

    private <T extends AutoCloseable> T closing(T c) {
        closers.add(0, c);
        return c;
    }

    private static void assertTone(Ffmpeg player, double hz) throws Exception {
        assertThat(player.waitFor(40)).as("player finished").isTrue();
        assertThat(player.exitCode()).as(player.stderr()).isZero();
        double[] pcm = ToneDetector.s16le(player.stdout());
        assertThat(pcm.length).as("decoded samples").isGreaterThan(16000 * 2);
        assertThat(ToneDetector.toneFraction(pcm, hz, 16000, 800, 20)).as("windows where %s Hz dominates", hz)
                .isGreaterThan(0.7);
    }

    private static Ffmpeg play(String url) throws Exception {
        return Ffmpeg.run("-analyzeduration", "1000000", "-rw_timeout", "15000000", "-i", url, "-t", "3", "-vn",
                "-f", "s16le", "-ac", "1", "-ar", "16000", "pipe:1");
    }

    @Test
    void anRtmpPushIsHeardByWebRtcFlvAndRtmpPlayersAndItsEndIsTold() throws Exception {
        ParleyEngine wx = login("mixed", "wx-user");
        Pushes wxPushes = Pushes.on(wx);
        ParleyEngine web = login("mixed", "web-user");
        Pushes webPushes = Pushes.on(web);
        ParleyEngine flvFan = login("mixed", "flv-user");
        ParleyEngine rtmpFan = login("mixed", "rtmp-user");

        Result pub = wx.startPublishingRtmp("wx-mic", "").get(10, TimeUnit.SECONDS);
        assertThat(pub.code()).as(pub.message()).isZero();
        String url = pub.data().path("url").asText();
        assertThat(url).startsWith("rtmp://127.0.0.1:" + server.server().rtmpPort() + "/live/wx-mic?key=");
        assertThat(pub.data().path("urlExpiresAt").asLong()).isGreaterThan(System.currentTimeMillis());
        wxPushes.await(Messages.PUBLISHER_STATE_UPDATE, p -> p.data().path("state").asText().equals("PUBLISH_REQUESTING"));
        assertThat(web.roomStreams()).as("not in the room before its push sends media").doesNotContain("wx-mic");

        Ffmpeg push = closing(Ffmpeg.pushTone(url, 30));
        wxPushes.await(Messages.PUBLISHER_STATE_UPDATE, p -> p.data().path("state").asText().equals("PUBLISHING"));
        webPushes.await(Messages.ROOM_STREAM_UPDATE, p -> p.data().path("updateType").asText().equals("ADD")
                && p.streamIds().contains("wx-mic"));

        // A WebRTC player (the Java client) decodes Opus made from the AAC: 1 kHz.
        ConcurrentLinkedQueue<byte[]> opus = new ConcurrentLinkedQueue<>();
        web.startPlaying("wx-mic", p -> opus.add(p.payload())).get(20, TimeUnit.SECONDS);
        await().atMost(LONG).until(() -> opus.size() >= 150);
        OpusDecoder dec = new OpusDecoder(48000, 1);
        short[] frame = new short[5760];
        ByteArrayOutputStream pcm = new ByteArrayOutputStream();
        int i = 0;
        for (byte[] p : opus) {
            int n = dec.decode(p, 0, p.length, frame, 0, 5760, false);
            for (int k = 0; k < n; k += 3) { // 48 kHz -> 16 kHz (the tone is far below the new Nyquist)
                if (i++ > 0) {
                    pcm.write(frame[k] & 0xFF);
                    pcm.write((frame[k] >> 8) & 0xFF);
                }
            }
        }
        double[] decoded = ToneDetector.s16le(pcm.toByteArray());
        assertThat(ToneDetector.toneFraction(decoded, 1000, 16000, 800, 20)).as("1 kHz in the WebRTC player's Opus")
                .isGreaterThan(0.7);

        // HTTP-FLV and RTMP players with the URLs startPlaying gave: remuxed AAC, the same tone.
        Pushes flvPushes = Pushes.on(flvFan);
        Result flv = flvFan.startPlayingUrl("wx-mic", "flv").get(10, TimeUnit.SECONDS);
        assertThat(flv.code()).as(flv.message()).isZero();
        assertThat(flv.data().path("url").asText()).startsWith("http://127.0.0.1:" + server.server().port() + "/live/wx-mic.flv?key=");
        Result rtmp = rtmpFan.startPlayingUrl("wx-mic", "rtmp").get(10, TimeUnit.SECONDS);
        assertThat(rtmp.code()).as(rtmp.message()).isZero();
        try (Ffmpeg flvPlayer = play(flv.data().path("url").asText());
             Ffmpeg rtmpPlayer = play(rtmp.data().path("url").asText())) {
            flvPushes.await(Messages.PLAYER_STATE_UPDATE, p -> p.data().path("state").asText().equals("PLAYING"));
            assertTone(flvPlayer, 1000);
            assertTone(rtmpPlayer, 1000);
        }
        flvPushes.await(Messages.PLAYER_STATE_UPDATE, p -> p.data().path("state").asText().equals("NO_PLAY")
                && p.data().path("extendedData").asText().contains("player_disconnected"));
        wxPushes.await(Messages.PUBLISH_QUALITY_UPDATE, p -> p.data().path("stats").path("audioBitrate").asDouble() > 20);

        // The pusher drops: NO_PUBLISH for it, DELETE (reason 2) for the room; the streamID stays its own.
        push.close();
        wxPushes.await(Messages.PUBLISHER_STATE_UPDATE, p -> p.data().path("state").asText().equals("NO_PUBLISH")
                && p.data().path("errorCode").asInt() == ErrorCode.PUBLISH_MEDIA_FAILED
                && p.data().path("extendedData").asText().contains("rtmp_disconnected"));
        webPushes.await(Messages.ROOM_STREAM_UPDATE, p -> p.data().path("updateType").asText().equals("DELETE")
                && p.streamIds().contains("wx-mic") && p.data().path("extendedData").asText().contains("\"code\":2"));
        // ... and a new push to the same URL starts it again.
        closing(Ffmpeg.pushTone(url, 20));
        webPushes.await(Messages.ROOM_STREAM_UPDATE, p -> p.data().path("updateType").asText().equals("ADD")
                && p.streamIds().contains("wx-mic") && webPushes.named(Messages.ROOM_STREAM_UPDATE).size() >= 3);
        assertThat(wx.stopPublishing("wx-mic").get(10, TimeUnit.SECONDS).code()).isZero();
        webPushes.await(Messages.ROOM_STREAM_UPDATE, p -> p.data().path("updateType").asText().equals("DELETE")
                && p.data().path("extendedData").asText().contains("\"code\":1"));
        Scrape s = Scrape.of(server.server().port());
        assertThat(s.sum("parley_rtmp_handshakes_total")).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aWebRtcPublisherIsHeardOverFlvAndRtmpAndAnRtmpPusherHearsIt() throws Exception {
        ParleyEngine web = login("mixed2", "web-pub");
        ParleyEngine wx = login("mixed2", "wx-fan");
        Publisher publisher = web.startPublishingMedia("web-mic", "").get(20, TimeUnit.SECONDS);
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        closing(clock::shutdownNow);
        OpusEncoder enc = new OpusEncoder(48000, 1, OpusApplication.OPUS_APPLICATION_AUDIO);
        long[] n = {0};
        clock.scheduleAtFixedRate(() -> {
            short[] pcm = new short[960];
            for (int k = 0; k < 960; k++) {
                pcm[k] = (short) (8000 * Math.sin(2 * Math.PI * 440 * (n[0] * 960 + k) / 48000.0));
            }
            byte[] out = new byte[1275];
            try {
                int len = enc.encode(pcm, 0, 960, out, 0, out.length);
                publisher.sendAudio(Arrays.copyOf(out, len), n[0] * 960);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            n[0]++;
        }, 0, 20, TimeUnit.MILLISECONDS);

        Pushes wxPushes = Pushes.on(wx);
        Result flv = wx.startPlayingUrl("web-mic", "flv").get(10, TimeUnit.SECONDS);
        assertThat(flv.code()).as(flv.message()).isZero();
        try (Ffmpeg flvPlayer = play(flv.data().path("url").asText())) {
            wxPushes.await(Messages.PLAYER_STATE_UPDATE, p -> p.data().path("state").asText().equals("PLAYING"));
            assertTone(flvPlayer, 440);
        }
        // Transcoding runs only while somebody plays the other form.
        await().atMost(LONG).until(() -> Scrape.of(server.server().port()).value("parley_transcode_streams_active") == 0);
        assertThat(wx.stopPlaying("web-mic").get(10, TimeUnit.SECONDS).code()).isZero();
        Result rtmp = wx.startPlayingUrl("web-mic", "rtmp").get(10, TimeUnit.SECONDS);
        try (Ffmpeg rtmpPlayer = play(rtmp.data().path("url").asText())) {
            assertTone(rtmpPlayer, 440);
        }
        // The stream ends: the mini-program's player is told.
        assertThat(web.stopPublishing("web-mic").get(10, TimeUnit.SECONDS).code()).isZero();
        wxPushes.await(Messages.PLAYER_STATE_UPDATE, p -> p.data().path("state").asText().equals("NO_PLAY")
                && p.data().path("extendedData").asText().contains("publisher_stopped"));
    }

    @Test
    void keysThatDoNotFitAreRefusedAndTheServerCarriesOn() throws Exception {
        ParleyEngine wx = server.engine();
        closers.add(0, wx);
        Result login = wx.loginRoom("keys", TestServer.token("owner"), user("owner"), withUserUpdates()).get(10, TimeUnit.SECONDS);
        assertThat(login.code()).as(login.message()).isZero();
        long sessionId = Long.parseLong(login.data().path("sessionID").asText());
        Result pub = wx.startPublishingRtmp("owned", "").get(10, TimeUnit.SECONDS);
        String good = pub.data().path("url").asText();
        String base = good.substring(0, good.indexOf("/live/"));
        String key = good.substring(good.indexOf("key=") + 4);
        StreamKeys past = new StreamKeys(List.of(new AppConfig(TestServer.APP, TestServer.SECRET)),
                Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC), Duration.ofMinutes(10));
        StreamKeys other = new StreamKeys(List.of(new AppConfig(TestServer.OTHER_APP, TestServer.OTHER_SECRET)),
                Clock.systemUTC(), Duration.ofMinutes(10));
        String expired = past.mint(StreamKeys.Kind.PUBLISH, TestServer.APP, "keys", "owner", "owned", sessionId);
        StreamKeys same = new StreamKeys(List.of(new AppConfig(TestServer.APP, TestServer.SECRET)),
                Clock.systemUTC(), Duration.ofMinutes(10));
        // Right App, user, stream and session, but minted for another room: the session is not in that room.
        String otherRoom = same.mint(StreamKeys.Kind.PUBLISH, TestServer.APP, "elsewhere", "owner", "owned", sessionId);
        // Right everything but the session (an earlier login of the same user).
        String otherSession = same.mint(StreamKeys.Kind.PUBLISH, TestServer.APP, "keys", "owner", "owned", sessionId + 1000);
        String foreign = other.mint(StreamKeys.Kind.PUBLISH, TestServer.OTHER_APP, "keys", "owner", "owned", 1);
        List<String> refused = List.of(
                base + "/live/owned",                               // no key
                base + "/live/owned?key=" + expired,                // expired
                base + "/live/owned?key=" + foreign,                // another App's
                base + "/live/owned?key=" + otherRoom,              // another room
                base + "/live/owned?key=" + otherSession,           // another session
                base + "/live/other-stream?key=" + key,             // another stream
                base + "/live/owned?key=" + key.substring(0, key.length() - 4) + "AAAA"); // altered
        for (String u : refused) {
            try (Ffmpeg p = Ffmpeg.pushTone(u, 5)) {
                assertThat(p.waitFor(30)).as(u).isTrue();
                assertThat(p.exitCode()).as("push to %s must fail", u).isNotZero();
            }
        }
        assertThat(Scrape.of(server.server().port()).sum("parley_rtmp_refusals_total")).isGreaterThanOrEqualTo(refused.size());
        // The good push still works, and a second publisher of the live stream is refused.
        Pushes wxPushes = Pushes.on(wx);
        closing(Ffmpeg.pushTone(good, 30));
        wxPushes.await(Messages.PUBLISHER_STATE_UPDATE, p -> p.data().path("state").asText().equals("PUBLISHING"));
        try (Ffmpeg second = Ffmpeg.pushTone(good, 5)) {
            assertThat(second.waitFor(30)).isTrue();
            assertThat(second.exitCode()).isNotZero();
        }
        // HTTP-FLV: a missing or forged key is 403, a stream nobody asked to play is refused too.
        HttpClient http = HttpClient.newHttpClient();
        for (String path : List.of("/live/owned.flv", "/live/owned.flv?key=" + key, "/live/nothing.flv?key=1.AAAA")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.server().port() + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isIn(403, 404);
        }
        // A play of a stream that does not exist is refused by signalling.
        assertThat(wx.startPlayingUrl("nothing", "flv").get(10, TimeUnit.SECONDS).code()).isEqualTo(ErrorCode.PLAY_STREAM_NOT_FOUND);
        assertThat(wx.startPlayingUrl("owned", "hls").get(10, TimeUnit.SECONDS).code()).isEqualTo(ErrorCode.PARAMETER_ERROR);
    }
}
