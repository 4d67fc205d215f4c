package io.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.parley.client.media.FakeMediaServerAccess;
import io.parley.client.media.MediaConfig;
import io.parley.client.media.Player;
import io.parley.client.media.Publisher;
import io.parley.client.media.ReceivedPacket;
import io.parley.protocol.media.SdpNegotiator;
import io.parley.protocol.signal.Messages;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The engine's media calls: offer in the request, answer from the response, ZEGO-shaped results and pushes. */
class ParleyEngineMediaTest {
    private static final long WAIT = 20;

    private FakeSignalServer signal;
    private FakeMediaServerAccess media;
    private ParleyEngine engine;

    @BeforeEach
    void start() {
        signal = new FakeSignalServer();
        media = FakeMediaServerAccess.start();
        engine = ParleyEngine.create(1, signal.uri());
        engine.setMediaConfig(MediaConfig.DEFAULTS // binds 0.0.0.0:0, as a real client does
                .withTimeouts(Duration.ofMillis(800), Duration.ofSeconds(5)));
        signal.handlers.put(Messages.START_PUBLISHING, d -> FakeSignalServer.Reply.ok(Map.of("streamID",
                d.path("streamID").asText(), "sdp", media.answer(d.path("sdp").asText(), SdpNegotiator.Purpose.PUBLISH))));
        signal.handlers.put(Messages.START_PLAYING, d -> FakeSignalServer.Reply.ok(Map.of("streamID",
                d.path("streamID").asText(), "sdp", media.answer(d.path("sdp").asText(), SdpNegotiator.Purpose.PLAY))));
    }

    @AfterEach
    void stop() throws Exception {
        engine.close();
        engine.closed().get(WAIT, TimeUnit.SECONDS);
        media.close();
        signal.close();
    }

    @Test
    void startPublishingMediaSendsTheOfferAndConnectsWithTheAnswer() throws Exception {
        Queue<Messages.PublisherStateUpdate> states = new ConcurrentLinkedQueue<>();
        Queue<Messages.QualityUpdate> quality = new ConcurrentLinkedQueue<>();
        engine.setPublisherStateUpdateListener(states::add);
        engine.setPublishQualityUpdateListener(quality::add);

        Publisher p = engine.startPublishingMedia("alice-mic", "{\"mic\":true}").get(WAIT, TimeUnit.SECONDS);
        JsonAssert.request(signal.requests.peek(), "startPublishing", "alice-mic");
        assertThat(signal.requests.peek().path("data").path("sdp").asText()).contains("a=sendonly");
        assertThat(signal.requests.peek().path("data").path("extraInfo").asText()).isEqualTo("{\"mic\":true}");
        assertThat(engine.publisher("alice-mic")).isSameAs(p);

        p.sendFrame(new byte[] {9, 9});
        await().atMost(Duration.ofSeconds(WAIT)).until(() -> media.receivedPayloads().contains("[9, 9]"));

        signal.push(Messages.PUBLISHER_STATE_UPDATE, new Messages.PublisherStateUpdate("r1", "alice-mic", "PUBLISHING", 0, ""));
        signal.push(Messages.PUBLISH_QUALITY_UPDATE, new Messages.QualityUpdate("r1", "alice-mic",
                new Messages.MediaStats(32.1, 150, 0, 0, 1.2, -1)));
        await().atMost(Duration.ofSeconds(WAIT)).until(() -> !quality.isEmpty() && !states.isEmpty());
        assertThat(states.peek().state()).isEqualTo("PUBLISHING");
        assertThat(quality.peek().stats().packets()).isEqualTo(150);

        assertThat(engine.stopPublishing("alice-mic").get(WAIT, TimeUnit.SECONDS).ok()).isTrue();
        assertThat(p.closed().get(WAIT, TimeUnit.SECONDS)).isEqualTo("closed locally");
        assertThat(engine.publisher("alice-mic")).isNull();
    }

    @Test
    void aRefusedRequestFailsWithTheServersResultAndClosesTheTransport() {
        signal.handlers.put(Messages.START_PLAYING, d -> new FakeSignalServer.Reply(1104039,
                "streamID 'nope' is not published in your room", Map.of()));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> engine.startPlaying("nope", pkt -> { }).get(WAIT, TimeUnit.SECONDS));
        assertThat(e.getCause()).isInstanceOfSatisfying(ResultException.class, r -> {
            assertThat(r.code()).isEqualTo(1104039);
            assertThat(r.result().message()).contains("not published");
        });
        assertThat(engine.player("nope")).isNull();
    }

    @Test
    void aMediaFailureFailsWithThePublishMediaCode() {
        media.answerChecks(false);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> engine.startPublishingMedia("alice-mic", "").get(WAIT, TimeUnit.SECONDS));
        assertThat(e.getCause()).isInstanceOfSatisfying(ResultException.class, r -> {
            assertThat(r.code()).isEqualTo(1103028);
            assertThat(r.result().message()).contains("ICE failed");
        });
    }

    @Test
    void startPlayingDeliversPacketsAndNoPlayClosesThePlayer() throws Exception {
        Queue<ReceivedPacket> got = new ConcurrentLinkedQueue<>();
        Queue<Messages.PlayerStateUpdate> states = new ConcurrentLinkedQueue<>();
        engine.setPlayerStateUpdateListener(states::add);
        Player player = engine.startPlaying("bob-mic", got::add).get(WAIT, TimeUnit.SECONDS);
        assertThat(signal.requests.peek().path("data").path("sdp").asText()).contains("a=recvonly");

        media.sendRtp(7, 960, new byte[] {5}, 20);
        await().atMost(Duration.ofSeconds(WAIT)).until(() -> !got.isEmpty());
        assertThat(got.peek().payload()).containsExactly(5);

        signal.push(Messages.PLAYER_STATE_UPDATE, new Messages.PlayerStateUpdate("r1", "bob-mic", "NO_PLAY", 0,
                "{\"reason\":\"publisher_stopped\"}"));
        assertThat(player.closed().get(WAIT, TimeUnit.SECONDS)).isEqualTo("closed locally");
        await().atMost(Duration.ofSeconds(WAIT)).until(() -> !states.isEmpty());
        assertThat(states.peek().extendedData()).contains("publisher_stopped");
        assertThat(engine.player("bob-mic")).isNull();
    }

    /** Small checks on a recorded request. */
    private static final class JsonAssert {
        static void request(com.fasterxml.jackson.databind.JsonNode req, String type, String streamID) {
            assertThat(req.path("type").asText()).isEqualTo(type);
            assertThat(req.path("data").path("streamID").asText()).isEqualTo(streamID);
        }
    }
}
