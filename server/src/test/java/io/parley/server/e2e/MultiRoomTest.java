package io.parley.server.e2e;

import static io.parley.server.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.Messages;
import io.parley.server.Pushes;
import io.parley.server.TestServer;
import io.parley.server.auth.JwtTokens;
import io.parley.server.config.AppConfig;
import io.parley.server.config.ParleyConfig;
import io.parley.server.room.RoomSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Multi-room mode end to end: one session in several rooms of an App that allows it (apps[].multiRoom), every push
 * naming its room, logoutRoom(roomID) leaving one, and the reference's codes (1002036, 1002037, 1002018).
 */
class MultiRoomTest {
    static final long MULTI_APP = 4_440_002;
    static final String MULTI_SECRET = "multi0multi0multi0multi0multi0mu";
    private static final Messages.RoomConfig MULTI = new Messages.RoomConfig(true, 0, true);

    private TestServer server;
    private final List<ParleyEngine> engines = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        ParleyConfig base = TestServer.config();
        List<AppConfig> apps = new ArrayList<>(base.apps());
        apps.add(new AppConfig(MULTI_APP, MULTI_SECRET).withMultiRoom(true));
        ParleyConfig.RoomFeatures d = ParleyConfig.RoomFeatures.DEFAULTS;
        server = TestServer.start(base.withApps(apps).withRoom(new ParleyConfig.RoomFeatures(d.onlineCountInterval(),
                d.extraInfoMaxKeyBytes(), d.extraInfoMaxValueBytes(), d.extraInfoMaxKeys(), d.extraInfoSetsPerSecond(),
                d.maxMessageBytes(), d.broadcastPerUserPerSecond(), d.broadcastPerRoomPerSecond(), d.barragePerRoomPerSecond(),
                d.customCommandToOnePerSecond(), d.customCommandToManyPerSecond(), d.maxCommandTargets(), 3)));
    }

    @AfterEach
    void stop() {
        engines.forEach(ParleyEngine::close);
        server.close();
    }

    private ParleyEngine engine() {
        ParleyEngine e = ParleyEngine.create(MULTI_APP, server.wsUri());
        engines.add(e);
        return e;
    }

    private static String token(String userId) {
        return JwtTokens.mint(MULTI_APP, userId, MULTI_SECRET.getBytes(StandardCharsets.UTF_8), Instant.now().minusSeconds(5),
                Instant.now().plus(Duration.ofHours(1)), null, true, true, null);
    }

    private static Result login(ParleyEngine e, String room, String userId, Messages.RoomConfig cfg) throws Exception {
        return e.loginRoom(room, token(userId), user(userId), cfg).get();
    }

    private RoomSnapshot snapshot(String room) {
        return server.server().rooms().snapshot(MULTI_APP, room).join();
    }

    @Test
    void aDroppedSessionInTwoRoomsIsResumedWithBothAndMissesNothingOfEither() throws Exception {
        ParleyEngine b = engine();
        ParleyEngine c = engine();
        Pushes pb = Pushes.on(b);
        Pushes pc = Pushes.on(c);
        assertThat(login(b, "rs-a", "bob", MULTI).code()).isZero();
        assertThat(login(c, "rs-b", "carol", MULTI).code()).isZero();
        io.parley.server.RawClient a = server.raw();
        try {
            JsonNode first = a.call("1", "loginRoom", rawLogin("rs-a")).path("data");
            JsonNode second = a.call("2", "loginRoom", rawLogin("rs-b")).path("data");
            assertThat(second.path("resumeToken").asText()).as("one credential per session").isEqualTo(first.path("resumeToken").asText());
            a.next(n -> "roomOnlineUserCountUpdate".equals(n.path("push").asText())
                    && "rs-b".equals(n.path("data").path("roomID").asText()));
            long seq = a.highestSeq();
            a.ws().abort();
            await().until(() -> !a.ws().isOpen());
            // While alice is away, each room has news for her.
            b.startPublishing("bob-1", "").get();
            c.startPublishing("carol-1", "").get();
            io.parley.server.RawClient back = server.raw();
            try {
                back.send("{\"id\":\"r\",\"type\":\"resumeSession\",\"data\":{\"appID\":" + MULTI_APP
                        + ",\"roomID\":\"rs-b\",\"userID\":\"alice\",\"sessionID\":\"" + first.path("sessionID").asText()
                        + "\",\"resumeToken\":\"" + first.path("resumeToken").asText() + "\",\"lastSeq\":" + seq + "}}");
                JsonNode r = back.next(n -> true);
                assertThat(r.path("code").asInt()).as(r.toString()).isZero();
                assertThat(r.path("data").path("roomIDs").toString()).isEqualTo("[\"rs-b\",\"rs-a\"]");
                assertThat(r.path("data").path("replayed").asInt()).isEqualTo(2);
                List<String> got = new ArrayList<>();
                for (int i = 1; i <= 2; i++) {
                    JsonNode p = back.next(n -> n.has("push"));
                    assertThat(p.path("seq").asLong()).isEqualTo(seq + i);
                    got.add(p.path("push").asText() + " " + p.path("data").path("roomID").asText());
                }
                assertThat(got).containsExactlyInAnyOrder("roomStreamUpdate rs-a", "roomStreamUpdate rs-b");
                assertThat(snapshot("rs-a").userIds()).containsExactly("bob", "alice");
                assertThat(snapshot("rs-b").userIds()).containsExactly("carol", "alice");
                // Requests in either room go on over the new connection.
                JsonNode msg = back.call("m", "sendBroadcastMessage", "{\"roomID\":\"rs-a\",\"message\":\"back\"}");
                assertThat(msg.path("code").asInt()).as(msg.toString()).isZero();
                pb.await(Messages.IM_RECV_BROADCAST_MESSAGE, p -> true);
                // Peers saw nothing of alice's absence (checked before her connection closes: that is a logout).
                assertThat(pb.count(Messages.ROOM_USER_UPDATE, p -> p.toString().contains("DELETE"))).as("bob saw no leave").isZero();
                assertThat(pc.count(Messages.ROOM_USER_UPDATE, p -> p.toString().contains("DELETE"))).as("carol saw no leave").isZero();
            } finally {
                back.close();
            }
        } finally {
            a.close();
        }
    }

    private static String rawLogin(String room) {
        return "{\"appID\":" + MULTI_APP + ",\"roomID\":\"" + room + "\",\"token\":\"" + token("alice")
                + "\",\"user\":{\"userID\":\"alice\"},\"config\":{\"userUpdate\":true,\"multiRoom\":true}}";
    }

    @Test
    void oneSessionInTwoRoomsSeesEachRoomApartAndLeavesOne() throws Exception {
        ParleyEngine a = engine();
        ParleyEngine b = engine();
        ParleyEngine c = engine();
        Pushes pa = Pushes.on(a);
        Pushes pb = Pushes.on(b);
        Pushes pc = Pushes.on(c);
        assertThat(login(b, "mr-a", "bob", MULTI).code()).isZero();
        assertThat(login(c, "mr-b", "carol", MULTI).code()).isZero();
        assertThat(login(a, "mr-a", "alice", MULTI).code()).isZero();
        Result second = login(a, "mr-b", "alice", MULTI);
        assertThat(second.code()).as(second.message()).isZero();
        assertThat(second.data().path("roomID").asText()).isEqualTo("mr-b");
        assertThat(snapshot("mr-a").userIds()).containsExactly("bob", "alice");
        assertThat(snapshot("mr-b").userIds()).containsExactly("carol", "alice");
        // Each room's pushes name it: LOGINED twice, and the members of each.
        pa.awaitCount(Messages.ROOM_STATE_CHANGED, p -> p.data().path("reason").asText().equals("LOGINED"), 2);
        pa.await(Messages.ROOM_USER_UPDATE, p -> p.data().path("roomID").asText().equals("mr-a") && p.userIds().equals(List.of("bob")));
        pa.await(Messages.ROOM_USER_UPDATE, p -> p.data().path("roomID").asText().equals("mr-b") && p.userIds().equals(List.of("carol")));
        pb.await(Messages.ROOM_USER_UPDATE, p -> p.type().equals("ADD") && p.userIds().equals(List.of("alice")));
        pc.await(Messages.ROOM_USER_UPDATE, p -> p.type().equals("ADD") && p.userIds().equals(List.of("alice")));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.roomUsers("mr-b").equals(List.of("carol")));

        // A request must say which room once there are two; a stream and a message go to that room only.
        Result ambiguous = a.startPublishing("alice-mic", "").get();
        assertThat(ambiguous.code()).isEqualTo(ErrorCode.PARAMETER_ERROR);
        assertThat(ambiguous.message()).contains("roomID");
        assertThat(a.startPublishingInRoom("mr-b", "alice-mic", "").get().code()).isZero();
        pc.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("ADD") && p.streamIds().equals(List.of("alice-mic")));
        assertThat(a.sendBroadcastMessage("mr-a", "hi room a").get().code()).isZero();
        Pushes.Push msg = pb.await(Messages.IM_RECV_BROADCAST_MESSAGE, p -> true);
        assertThat(msg.data().path("roomID").asText()).isEqualTo("mr-a");
        assertThat(a.request(Messages.SEND_BROADCAST_MESSAGE, new Messages.SendMessage("mr-z", "x")).get().code())
                .isEqualTo(ErrorCode.NOT_IN_THIS_ROOM);

        // logoutRoom(mr-b): carol sees alice and her stream go; bob sees nothing; alice stays in mr-a.
        assertThat(a.logoutRoom("mr-b").get().code()).isZero();
        pc.await(Messages.ROOM_USER_UPDATE, p -> p.type().equals("DELETE") && p.userIds().equals(List.of("alice")));
        pc.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("DELETE") && p.streamIds().equals(List.of("alice-mic")));
        assertThat(snapshot("mr-b").userIds()).containsExactly("carol");
        assertThat(snapshot("mr-a").userIds()).containsExactly("bob", "alice");
        assertThat(pb.count(Messages.ROOM_USER_UPDATE, p -> p.type().equals("DELETE"))).isZero();
        assertThat(a.rooms()).containsExactly("mr-a");
        // With one room left, requests need no roomID again; the session is still alive and logged in.
        // (Under 500 ms after her broadcast in mr-a it is refused with 1009015, nobody gets it: she tries again.)
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> a.sendBroadcastMessage("still here").get().code() == 0);
        assertThat(a.heartbeat().get().code()).isZero();
        // It may go back to mr-b, and logoutRoom() with no roomID leaves every room.
        assertThat(login(a, "mr-b", "alice", MULTI).code()).isZero();
        assertThat(a.logoutRoom(null).get().code()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> snapshot("mr-a").userIds().equals(List.of("bob"))
                && snapshot("mr-b").userIds().equals(List.of("carol")));
        assertThat(server.server().rooms().app(MULTI_APP).sessionOf("alice")).isNull();
        assertThat(login(a, "mr-c", "alice", MULTI).code()).as("logged out of all: a fresh login works").isZero();
    }

    @Test
    void theReferenceCodesForMultiRoom() throws Exception {
        // An App without multi-room: asking for it is refused (1002036), and without it a second room is 1002001.
        ParleyEngine single = ParleyEngine.create(TestServer.APP, server.wsUri());
        engines.add(single);
        Result refused = single.loginRoom("sr", TestServer.token("sam"), user("sam"), MULTI).get();
        assertThat(refused.code()).isEqualTo(ErrorCode.MULTI_ROOM_DISABLED);
        assertThat(single.loginRoom("sr", TestServer.token("sam"), user("sam"), new Messages.RoomConfig(true, 0)).get().code())
                .isZero();
        assertThat(single.loginRoom("sr2", TestServer.token("sam"), user("sam"), new Messages.RoomConfig(true, 0)).get().code())
                .isEqualTo(ErrorCode.ALREADY_IN_ROOM);

        ParleyEngine a = engine();
        assertThat(login(a, "m1", "alice", MULTI).code()).isZero();
        // Same userName in every room (1002018), each room once (1002064), at most room.maxRoomsPerSession (3 here).
        Result otherName = a.loginRoom("m2", token("alice"), new Messages.User("alice", "Another Alice"), MULTI).get();
        assertThat(otherName.code()).isEqualTo(ErrorCode.MULTI_ROOM_USER_MISMATCH);
        Result otherUser = a.loginRoom("m2", token("mallory"), user("mallory"), MULTI).get();
        assertThat(otherUser.code()).isEqualTo(ErrorCode.MULTI_ROOM_USER_MISMATCH);
        assertThat(login(a, "m1", "alice", MULTI).code()).isEqualTo(ErrorCode.ROOM_ALREADY_JOINED);
        assertThat(login(a, "m2", "alice", MULTI).code()).isZero();
        assertThat(login(a, "m3", "alice", MULTI).code()).isZero();
        Result fourth = login(a, "m4", "alice", MULTI);
        assertThat(fourth.code()).isEqualTo(ErrorCode.TOO_MANY_ROOMS_PER_SESSION);
        assertThat(fourth.message()).contains("maxRoomsPerSession 3");
        assertThat(snapshot("m4").userIds()).isEmpty();
    }

    @Test
    void theSameUserLoggingInElsewhereKicksTheSessionOutOfEveryRoom() throws Exception {
        ParleyEngine a = engine();
        ParleyEngine b = engine();
        ParleyEngine c = engine();
        Pushes pa = Pushes.on(a);
        Pushes pb = Pushes.on(b);
        Pushes pc = Pushes.on(c);
        assertThat(login(b, "k-a", "bob", MULTI).code()).isZero();
        assertThat(login(c, "k-b", "carol", MULTI).code()).isZero();
        assertThat(login(a, "k-a", "alice", MULTI).code()).isZero();
        assertThat(login(a, "k-b", "alice", MULTI).code()).isZero();
        assertThat(a.startPublishingInRoom("k-a", "alice-a", "").get().code()).isZero();

        ParleyEngine again = engine();
        assertThat(login(again, "k-c", "alice", MULTI).code()).isZero();
        pa.awaitCount(Messages.ROOM_STATE_CHANGED, p -> p.data().path("reason").asText().equals("KICKOUT"), 2);
        List<String> kickedFrom = pa.named(Messages.ROOM_STATE_CHANGED).stream()
                .filter(p -> p.data().path("reason").asText().equals("KICKOUT"))
                .map(p -> p.data().path("roomID").asText()).sorted().toList();
        assertThat(kickedFrom).containsExactly("k-a", "k-b");
        pb.await(Messages.ROOM_USER_UPDATE, p -> p.type().equals("DELETE") && p.userIds().equals(List.of("alice")));
        pb.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("DELETE") && p.streamIds().equals(List.of("alice-a")));
        pc.await(Messages.ROOM_USER_UPDATE, p -> p.type().equals("DELETE") && p.userIds().equals(List.of("alice")));
        await().atMost(Duration.ofSeconds(10)).until(() -> snapshot("k-a").userIds().equals(List.of("bob"))
                && snapshot("k-b").userIds().equals(List.of("carol")));
        assertThat(snapshot("k-c").userIds()).containsExactly("alice");
        assertThat(server.server().rooms().app(MULTI_APP).sessionOf("alice")).isNotNull();
    }

    @Test
    void aServerKickInOneRoomEndsTheSessionInAllItsRooms() throws Exception {
        ParleyEngine a = engine();
        ParleyEngine c = engine();
        Pushes pa = Pushes.on(a);
        Pushes pc = Pushes.on(c);
        assertThat(login(c, "sk-b", "carol", MULTI).code()).isZero();
        assertThat(login(a, "sk-a", "alice", MULTI).code()).isZero();
        assertThat(login(a, "sk-b", "alice", MULTI).code()).isZero();
        List<io.parley.protocol.UserId> kicked = server.server().rooms().kickOut(MULTI_APP, new io.parley.protocol.RoomId("sk-a"),
                List.of(new io.parley.protocol.UserId("alice")), "bye").toCompletableFuture().get();
        assertThat(kicked).extracting(io.parley.protocol.UserId::value).containsExactly("alice");
        pa.awaitCount(Messages.ROOM_STATE_CHANGED, p -> p.data().path("reason").asText().equals("KICKOUT")
                && p.data().path("errorCode").asInt() == ErrorCode.KICKED_BY_SERVER, 2);
        pc.await(Messages.ROOM_USER_UPDATE, p -> p.type().equals("DELETE") && p.userIds().equals(List.of("alice")));
        await().atMost(Duration.ofSeconds(10)).until(() -> snapshot("sk-b").userIds().equals(List.of("carol"))
                && snapshot("sk-a").userIds().isEmpty() && server.server().rooms().app(MULTI_APP).sessionOf("alice") == null);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.closed().isDone());
    }
}
