package io.parley.server.e2e;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.ParleyEngine;
import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.SignalCodec;
import io.parley.server.Pushes;
import io.parley.server.RawClient;
import io.parley.server.TestServer;
import io.parley.server.config.ParleyConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Heartbeat timeout and dropped connections, with a short (1 s) timeout configured. */
class SessionLivenessTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(TestServer.config().withSession(new ParleyConfig.Session(Duration.ofMillis(250), TIMEOUT)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static String login(String user, String room) {
        return "{\"appID\":" + TestServer.APP + ",\"roomID\":\"" + room + "\",\"token\":\"" + token(user)
                + "\",\"user\":{\"userID\":\"" + user + "\"},\"config\":{\"userUpdate\":true}}";
    }

    @Test
    void silentSessionIsRemovedAsDroppedWithReasonTwo() throws Exception {
        try (ParleyEngine watcher = server.engine(); RawClient silent = server.raw()) {
            Pushes pw = Pushes.on(watcher);
            watcher.loginRoom("r", token("watcher"), user("watcher"), withUserUpdates()).get();
            // A raw client logs in and publishes, then never sends another frame.
            assertThat(silent.call("1", "loginRoom", login("mute", "r")).path("code").asInt()).isZero();
            assertThat(silent.call("2", "startPublishing", "{\"streamID\":\"mute-mic\"}").path("code").asInt()).isZero();
            long loggedInAt = System.nanoTime();
            Pushes.Push del = pw.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("DELETE"));
            assertThat(Duration.ofNanos(System.nanoTime() - loggedInAt)).isGreaterThanOrEqualTo(TIMEOUT.minusMillis(100));
            JsonNode ext = SignalCodec.MAPPER.readTree(del.data().path("extendedData").asText());
            assertThat(ext.path("stream_delete_reason").get(0).path("code").asInt()).isEqualTo(2);
            assertThat(ext.path("stream_delete_reason").get(0).path("description").asText()).isEqualTo("user_heart_beat_timeout");
            pw.await(Messages.ROOM_USER_UPDATE, p -> p.type().equals("DELETE") && p.userIds().equals(List.of("mute")));
            assertThat(silent.awaitClosed().status()).isEqualTo(1000);
            assertThat(server.server().rooms().snapshot(TestServer.APP, "r").join().userIds()).containsExactly("watcher");
        }
    }

    @Test
    void droppedConnectionKeepsTheUserUntilTheTimeout() throws Exception {
        try (ParleyEngine watcher = server.engine(); ParleyEngine dropper = server.engine()) {
            Pushes pw = Pushes.on(watcher);
            watcher.loginRoom("r", token("watcher"), user("watcher"), withUserUpdates()).get();
            dropper.loginRoom("r", token("dropper"), user("dropper"), withUserUpdates()).get();
            dropper.startPublishing("drop-mic", "").get();
            pw.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("ADD"));
            dropper.abort();
            dropper.closed().get();
            // Within the window the user is still a member (it could resume here: ResumeEndToEndTest).
            assertThat(server.server().rooms().snapshot(TestServer.APP, "r").join().userIds()).contains("dropper");
            Pushes.Push del = pw.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("DELETE"));
            JsonNode ext = SignalCodec.MAPPER.readTree(del.data().path("extendedData").asText());
            assertThat(ext.path("stream_delete_reason").get(0).path("code").asInt()).isEqualTo(2);
            await().until(() -> watcher.roomUsers().isEmpty());
            assertThat(server.server().rooms().snapshot(TestServer.APP, "r").join().userIds()).containsExactly("watcher");
        }
    }

    @Test
    void connectionThatNeverLogsInIsClosedAfterTheTimeout() {
        try (RawClient idle = server.raw()) {
            assertThat(idle.awaitClosed().status()).isEqualTo(1000);
        }
    }
}
