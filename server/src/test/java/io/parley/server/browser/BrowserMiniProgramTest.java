package io.parley.server.browser;

import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.server.TestServer;
import io.parley.server.rtmp.Ffmpeg;
import io.parley.server.rtmp.ToneDetector;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A mini-program user (ffmpeg pushing and playing the URLs a Java-client session was given) and a browser with
 * parley.js in one room, each hearing the other: the tone's frequency is found on both sides.
 */
class BrowserMiniProgramTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(250);
    private static BrowserRig rig;

    @BeforeAll
    static void start() throws Exception {
        rig = BrowserRig.startIfAvailable("miniprogram");
    }

    @BeforeEach
    void require() {
        BrowserRig.assumeStarted(rig);
        Ffmpeg.assumeAvailable();
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
    void aBrowserHearsAnRtmpPusherAndAnFlvPlayerHearsTheBrowser() throws Exception {
        try (ParleyEngine wx = ParleyEngine.create(TestServer.APP, rig.server().wsUri())) {
            assertThat(wx.loginRoom("wx-room", TestServer.token("wx"), user("wx"), withUserUpdates())
                    .get(10, TimeUnit.SECONDS).code()).isZero();
            Result pub = wx.startPublishingRtmp("wx-tone", "").get(10, TimeUnit.SECONDS);
            assertThat(pub.code()).as(pub.message()).isZero();
            try (Ffmpeg push = Ffmpeg.pushTone(pub.data().path("url").asText(), 40)) {
                Page page = rig.open("browser");
                assertThat(page.eval(login("wx-room", "web")).asBoolean()).isTrue();
                await("browser: ADD wx-tone").atMost(DEADLINE).pollInterval(POLL)
                        .until(() -> BrowserSignallingTest.streamUpdates(page).contains("ADD:wx-tone"));
                JsonNode played = page.eval("rig.call(() => rig.play('wx-tone'))");
                assertThat(played.path("ok").asInt()).as("%s\n%s", played, page.consoleText()).isEqualTo(1);
                await("browser: inbound audio").atMost(DEADLINE).pollInterval(POLL)
                        .until(() -> page.eval("rig.rtp('wx-tone', 'play', 'inbound-rtp')").path("packets").asLong() > 50);
                double hz = page.eval("rig.dominantFrequency(2000)").asDouble();
                assertThat(hz).as("the loudest frequency the browser hears").isBetween(950.0, 1050.0);

                // The browser publishes a 660 Hz tone; the mini-program user plays it over HTTP-FLV.
                JsonNode published = page.eval("rig.call(() => rig.publishTone('web-tone', 660))");
                assertThat(published.path("ok").asBoolean()).as("%s\n%s", published, page.consoleText()).isTrue();
                await("wx: ADD web-tone").atMost(DEADLINE).pollInterval(POLL).until(() -> wx.roomStreams().contains("web-tone"));
                Result flv = wx.startPlayingUrl("web-tone", "flv").get(10, TimeUnit.SECONDS);
                assertThat(flv.code()).as(flv.message()).isZero();
                try (Ffmpeg player = Ffmpeg.run("-analyzeduration", "1000000", "-rw_timeout", "15000000",
                        "-i", flv.data().path("url").asText(), "-t", "3", "-vn", "-f", "s16le", "-ac", "1", "-ar", "16000", "pipe:1")) {
                    assertThat(player.waitFor(40)).isTrue();
                    assertThat(player.exitCode()).as(player.stderr()).isZero();
                    double[] pcm = ToneDetector.s16le(player.stdout());
                    assertThat(ToneDetector.toneFraction(pcm, 660, 16000, 800, 20)).as("660 Hz in the FLV player's audio")
                            .isGreaterThan(0.7);
                }
            }
        }
    }
}
