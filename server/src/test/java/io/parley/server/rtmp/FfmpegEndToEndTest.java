package io.parley.server.rtmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real ffmpeg pushers and players through the RTMP server and the HTTP-FLV hook on real sockets. */
class FfmpegEndToEndTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private RtmpRig rig;

    @BeforeAll
    static void ffmpeg() {
        Ffmpeg.assumeAvailable();
    }

    @BeforeEach
    void start() throws InterruptedException {
        rig = new RtmpRig();
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    @Test
    void aacPushIsPlayedOverRtmpAndHttpFlvAndTheToneSurvives() throws Exception {
        StreamKey key = new StreamKey(TestGate.APP, "tone");
        try (Ffmpeg push = Ffmpeg.pushTone(rig.rtmpUrl("tone", "good"), 9)) {
            await().atMost(LONG).until(() -> rig.hub.isLive(key));
            await().atMost(LONG).until(() -> rig.hub.publisher(key).metadata().containsKey("audiocodecid"));
            try (Ffmpeg rtmpPlayer = Ffmpeg.run("-analyzeduration", "1000000", "-rw_timeout", "15000000",
                         "-i", rig.rtmpUrl("tone", "good"), "-t", "3", "-vn", "-f", "s16le", "-ac", "1", "-ar", "16000", "pipe:1");
                 Ffmpeg flvPlayer = Ffmpeg.run("-analyzeduration", "1000000", "-rw_timeout", "15000000",
                         "-i", rig.flvUrl("tone", "good"), "-t", "3", "-vn", "-f", "s16le", "-ac", "1", "-ar", "16000", "pipe:1")) {
                for (Ffmpeg player : new Ffmpeg[] {rtmpPlayer, flvPlayer}) {
                    assertThat(player.waitFor(30)).as("player finished").isTrue();
                    assertThat(player.exitCode()).as(player.stderr()).isZero();
                    double[] pcm = ToneDetector.s16le(player.stdout());
                    assertThat(pcm.length).as("decoded samples").isGreaterThan(16000 * 2);
                    assertThat(ToneDetector.toneFraction(pcm, 1000, 16000, 800, 20))
                            .as("windows where 1 kHz dominates").isGreaterThan(0.8);
                }
            }
            assertThat(rig.gauge("parley.rtmp.publishers", "form", "rtmp")).isEqualTo(1);
            assertThat(push.waitFor(30)).isTrue();
            assertThat(push.exitCode()).as(push.stderr()).isZero();
        }
        await().atMost(LONG).until(() -> rig.events.stream().anyMatch(e -> e instanceof LiveEvent.PublishEnded));
        await().atMost(LONG).until(() -> rig.gauge("parley.rtmp.publishers", "form", "rtmp") == 0
                && rig.gauge("parley.rtmp.connections") == 0 && rig.gauge("parley.flv.connections") == 0);
        assertThat(rig.counter("parley.rtmp.handshakes", "kind", "digest")).as("ffmpeg sends a digest C1").isGreaterThan(0);
        assertThat(rig.events).anyMatch(e -> e instanceof LiveEvent.SubscriberJoined j && j.form() == Form.FLV);
    }

    @Test
    void videoAndAudioPushIsRemuxedToAnFlvPlayerThatDecodesFrames() throws Exception {
        StreamKey key = new StreamKey(TestGate.APP, "av");
        try (Ffmpeg push = Ffmpeg.run("-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15",
                "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=44100", "-t", "9",
                "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "15", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "64k", "-f", "flv", rig.rtmpUrl("av", "good"))) {
            await().atMost(LONG).until(() -> rig.hub.isLive(key)
                    && rig.hub.publisher(key).metadata().containsKey("videocodecid"));
            try (Ffmpeg player = Ffmpeg.run("-analyzeduration", "1000000", "-rw_timeout", "15000000",
                    "-i", rig.flvUrl("av", "good"), "-t", "2", "-map", "0:v", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1")) {
                assertThat(player.waitFor(30)).isTrue();
                assertThat(player.exitCode()).as(player.stderr()).isZero();
                assertThat(player.stderr()).contains("h264").contains("320x240");
                int frames = player.stdout().length / (320 * 240);
                assertThat(frames).as("decoded video frames").isGreaterThanOrEqualTo(15);
            }
        }
    }

    @Test
    void refusalsReachThePeersAndAreCounted() throws Exception {
        try (Ffmpeg bad = Ffmpeg.pushTone(rig.rtmpUrl("refused", "bad"), 3)) {
            assertThat(bad.waitFor(30)).isTrue();
            assertThat(bad.exitCode()).isNotZero();
        }
        assertThat(rig.counter("parley.rtmp.refusals", "action", "publish", "code", "bad_key")).isEqualTo(1);

        StreamKey key = new StreamKey(TestGate.APP, "taken");
        try (Ffmpeg first = Ffmpeg.pushTone(rig.rtmpUrl("taken", "good"), 20)) {
            await().atMost(LONG).until(() -> rig.hub.isLive(key));
            try (Ffmpeg second = Ffmpeg.pushTone(rig.rtmpUrl("taken", "good"), 3)) {
                assertThat(second.waitFor(30)).isTrue();
                assertThat(second.exitCode()).isNotZero();
            }
            assertThat(rig.counter("parley.rtmp.refusals", "action", "publish", "code", "busy")).isEqualTo(1);
            assertThat(first.isAlive()).as("the first publisher is undisturbed").isTrue();

            try (Ffmpeg player = Ffmpeg.decodeAudio(rig.rtmpUrl("taken", "bad"), 1)) {
                assertThat(player.waitFor(30)).isTrue();
                assertThat(player.exitCode()).isNotZero();
            }
            assertThat(rig.counter("parley.rtmp.refusals", "action", "play", "code", "bad_key")).isEqualTo(1);

            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> forbidden = http.send(HttpRequest.newBuilder(URI.create(rig.flvUrl("taken", "bad"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(forbidden.statusCode()).isEqualTo(403);
            HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(rig.flvUrl("nobody", "good"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(missing.statusCode()).isEqualTo(404);
            HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create(rig.flvUrl("taken", "good")))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(head.statusCode()).isEqualTo(405);
            assertThat(rig.counter("parley.flv.refusals", "code", "bad_key")).isEqualTo(1);
            assertThat(rig.counter("parley.flv.refusals", "code", "not_found")).isEqualTo(1);
        }
    }
}
