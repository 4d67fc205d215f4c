package io.parley.server.webhook;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.ParleyEngine;
import io.parley.server.RawClient;
import io.parley.server.TestServer;
import io.parley.server.api.ApiCaller;
import io.parley.server.config.AppConfig;
import io.parley.server.config.ParleyConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Webhooks to a real HTTP receiver on 127.0.0.1: the events of a scripted session, retries, a hanging receiver, drain. */
class WebhookEndToEndTest {
    private static final String CALLBACK_SECRET = "hook-secret-of-the-business";

    private Receiver receiver;
    private TestServer server;

    @BeforeEach
    void receiver() throws Exception {
        receiver = new Receiver();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        receiver.close();
    }

    private TestServer start(Duration timeout, Duration retryBase) throws Exception {
        ParleyConfig c = TestServer.config();
        List<AppConfig> apps = new ArrayList<>(c.apps());
        apps.set(0, apps.get(0).withCallback(receiver.url(), CALLBACK_SECRET));
        server = TestServer.start(c.withApps(apps)
                .withSession(new ParleyConfig.Session(Duration.ofMillis(250), Duration.ofSeconds(1)))
                .withApi(new ParleyConfig.Api(true, "127.0.0.1", 0, false, 0, 10_000))
                .withWebhook(new ParleyConfig.Webhook(1000, timeout, retryBase, 5, 8)));
        return server;
    }

    private static String sha1(String s) throws Exception {
        StringBuilder b = new StringBuilder();
        for (byte x : MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8))) {
            b.append(String.format("%02x", x));
        }
        return b.toString();
    }

    /** The business server's check, from the reference: sha1 of the sorted (secret, timestamp, nonce), joined. */
    private static void signed(JsonNode e) throws Exception {
        String[] parts = {CALLBACK_SECRET, e.path("timestamp").asText(), e.path("nonce").asText()};
        Arrays.sort(parts);
        assertThat(e.path("signature").asText()).as("signature of %s", e).isEqualTo(sha1(String.join("", parts)));
    }

    private ParleyEngine login(String room, String u) throws Exception {
        ParleyEngine e = server.engine();
        assertThat(e.loginRoom(room, token(u), user(u), withUserUpdates()).get().code()).isZero();
        return e;
    }

    @Test
    void aScriptedSessionReachesTheReceiverInOrderWithTheReferenceFields() throws Exception {
        start(Duration.ofSeconds(5), Duration.ofMillis(20));
        ApiCaller api = new ApiCaller(server.server().apiPort(), TestServer.APP, TestServer.SECRET);
        try (ParleyEngine alice = login("hooks", "alice"); ParleyEngine bob = login("hooks", "bob");
             RawClient carol = server.raw()) {
            bob.startPublishing("bob-mic", "info").get();
            bob.stopPublishing("bob-mic").get();
            bob.startPublishing("bob-2", "").get();
            assertThat(api.get("KickoutUser", Map.of("RoomId", "hooks", "UserId", List.of("bob"))).path("Code").asInt()).isZero();
            String login = "{\"appID\":" + TestServer.APP + ",\"roomID\":\"hooks\",\"token\":\"" + token("carol")
                    + "\",\"user\":{\"userID\":\"carol\"}}";
            assertThat(carol.call("1", "loginRoom", login).path("code").asInt()).isZero();
            // carol says nothing more: removed after the heartbeat timeout (1 s here).
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.events().contains("room_logout")
                    && receiver.received.stream().anyMatch(e -> e.path("user_account").asText().equals("carol")
                    && e.path("event").asText().equals("room_logout")));
            assertThat(api.get("CloseRoom", Map.of("RoomId", "hooks", "RoomCloseCallback", "true")).path("Code").asInt()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.events().contains("room_close"));
        }
        List<JsonNode> got = receiver.received;
        assertThat(receiver.events()).containsExactly("room_create", "room_login", "room_login", "stream_create",
                "stream_close", "stream_create", "stream_close", "room_logout", "room_login", "room_logout", "room_logout",
                "room_close");
        for (JsonNode e : got) {
            signed(e);
            assertThat(e.path("room_id").asText()).isEqualTo("hooks");
            assertThat(e.path("timestamp").asLong()).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(60L));
        }
        JsonNode create = got.get(0);
        assertThat(create.path("appid").isNumber()).isTrue();
        assertThat(create.path("appid").asLong()).isEqualTo(TestServer.APP);
        assertThat(create.path("id_name").asText()).isEqualTo("alice");
        long session = create.path("room_session_id").asLong();
        assertThat(session).isPositive();
        assertThat(create.path("room_create_time").isTextual()).isTrue();
        JsonNode aliceIn = got.get(1);
        assertThat(aliceIn.path("appid").asText()).isEqualTo(Long.toString(TestServer.APP));
        assertThat(aliceIn.path("appid").isTextual()).isTrue();
        assertThat(aliceIn.path("user_account").asText()).isEqualTo("alice");
        assertThat(aliceIn.path("user_nickname").asText()).isEqualTo("name-alice");
        assertThat(aliceIn.path("room_seq").asText()).isEqualTo(Long.toString(session));
        assertThat(aliceIn.path("login_time").asLong()).isPositive();
        JsonNode streamIn = got.get(3);
        assertThat(streamIn.path("stream_id").asText()).isEqualTo("bob-mic");
        assertThat(streamIn.path("user_id").asText()).isEqualTo("bob");
        assertThat(streamIn.path("extra_info").asText()).isEqualTo("info");
        assertThat(streamIn.path("stream_alias").asText()).isEqualTo("bob-mic");
        assertThat(got.get(4).path("type").asInt()).as("stopPublishing").isZero();
        assertThat(got.get(4).path("stream_sid").asText()).isEqualTo(streamIn.path("stream_sid").asText());
        assertThat(got.get(6).path("type").asInt()).as("kicked").isEqualTo(3);
        assertThat(got.get(7).path("user_account").asText()).isEqualTo("bob");
        assertThat(got.get(7).path("reason").asInt()).as("KickoutUser").isEqualTo(3);
        assertThat(got.get(9).path("user_account").asText()).isEqualTo("carol");
        assertThat(got.get(9).path("reason").asInt()).as("heartbeat timeout").isEqualTo(1);
        assertThat(got.get(10).path("user_account").asText()).isEqualTo("alice");
        assertThat(got.get(10).path("reason").asInt()).as("CloseRoom").isEqualTo(3);
        assertThat(got.get(10).path("session_id").asText()).isEqualTo(aliceIn.path("session_id").asText());
        assertThat(got.get(11).path("room_session_id").asLong()).isEqualTo(session);
        assertThat(got.get(11).path("close_reason").asInt()).isEqualTo(3);
        assertThat(got.get(11).path("appid").isNumber()).isTrue();
    }

    @Test
    void aReceiverThatFailsThreeTimesGetsTheEventOnTheFourthTry() throws Exception {
        receiver.failFirst = 3;
        start(Duration.ofSeconds(5), Duration.ofMillis(20));
        try (ParleyEngine alice = login("retry", "alice")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.events().size() == 2);
            assertThat(receiver.events()).containsExactly("room_create", "room_login");
            assertThat(receiver.tries.get()).isEqualTo(5); // room_create on its 4th try, then room_login at once
            assertThat(server.server().metrics().registry().get("parley_webhook_retried").counter().count()).isEqualTo(3);
            assertThat(server.server().metrics().registry().get("parley_webhook_delivered").counter().count()).isEqualTo(2);
        }
    }

    @Test
    void aHangingReceiverDoesNotSlowLogins() throws Exception {
        receiver.hang = true;
        start(Duration.ofSeconds(30), Duration.ofMillis(20));
        long worst = 0;
        for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            try (ParleyEngine e = login("slow-" + i, "u" + i)) {
                worst = Math.max(worst, System.nanoTime() - t0);
                e.logoutRoom().get();
            }
        }
        // Each login is answered long before one webhook POST could time out (30 s): nobody waits for the receiver.
        // A login that waited for it would take the whole 30 s; a third of that leaves room for a busy machine.
        assertThat(Duration.ofNanos(worst)).isLessThan(Duration.ofSeconds(10));
        assertThat(server.server().webhooks().depth(TestServer.APP)).isGreaterThan(20);
        assertThat(receiver.received).isEmpty();
    }

    @Test
    void drainFlushesTheQueueWithoutWaitingForTheBackoff() throws Exception {
        receiver.failFirst = 1;
        ParleyConfig c = TestServer.config();
        List<AppConfig> apps = new ArrayList<>(c.apps());
        apps.set(0, apps.get(0).withCallback(receiver.url(), CALLBACK_SECRET));
        // A 60 s backoff: only the drain's flush can deliver the retried event in time.
        TestServer s = TestServer.start(c.withApps(apps).withShutdown(new ParleyConfig.Shutdown(Duration.ofMillis(200)))
                .withWebhook(new ParleyConfig.Webhook(1000, Duration.ofSeconds(5), Duration.ofSeconds(60), 5, 8)));
        ParleyEngine alice = s.engine();
        alice.loginRoom("drain", token("alice"), user("alice"), withUserUpdates()).get();
        await().atMost(Duration.ofSeconds(5)).until(() -> receiver.tries.get() >= 1);
        long t0 = System.nanoTime();
        s.server().drainAndClose();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
        assertThat(receiver.events()).containsExactly("room_create", "room_login", "room_logout", "room_close");
        alice.close();
    }
}
