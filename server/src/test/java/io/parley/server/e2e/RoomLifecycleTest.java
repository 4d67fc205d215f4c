package io.parley.server.e2e;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.client.WsClient;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.SignalCodec;
import io.parley.server.Pushes;
import io.parley.server.TestServer;
import io.parley.server.room.RoomSnapshot;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The room model of ZEGO Express, end to end over real WebSockets. */
class RoomLifecycleTest {
    private static final String ROOM_USER = Messages.ROOM_USER_UPDATE;
    private static final String ROOM_STREAM = Messages.ROOM_STREAM_UPDATE;
    private static final String ROOM_STATE = Messages.ROOM_STATE_CHANGED;

    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Result login(ParleyEngine e, String room, String userId) throws Exception {
        return e.loginRoom(room, token(userId), user(userId), withUserUpdates()).get();
    }

    private RoomSnapshot snapshot(String room) {
        return server.server().rooms().snapshot(TestServer.APP, room).join();
    }

    @Test
    void loginAnswersWithHeartbeatAndPushesLogined() throws Exception {
        try (ParleyEngine a = server.engine()) {
            Pushes pa = Pushes.on(a);
            Result r = login(a, "room1", "alice");
            assertThat(r.code()).isZero();
            assertThat(r.data().path("roomID").asText()).isEqualTo("room1");
            assertThat(r.data().path("heartbeatInterval").asLong()).isEqualTo(30_000);
            assertThat(r.data().path("heartbeatTimeout").asLong()).isEqualTo(90_000);
            assertThat(r.data().path("sessionID").asText()).isNotEmpty();
            pa.await(ROOM_STATE, p -> p.data().path("reason").asText().equals("LOGINED"));
            assertThat(snapshot("room1").userIds()).containsExactly("alice");
            // Nothing about herself: no user or stream updates in an empty room.
            assertThat(pa.named(ROOM_USER)).isEmpty();
            assertThat(pa.named(ROOM_STREAM)).isEmpty();
        }
    }

    @Test
    void secondLoginOnTheSameSessionIsRefused() throws Exception {
        try (ParleyEngine a = server.engine()) {
            assertThat(login(a, "room1", "alice").code()).isZero();
            Result again = a.loginRoom("room2", token("alice"), user("alice"), withUserUpdates()).get();
            assertThat(again.code()).isEqualTo(ErrorCode.ALREADY_IN_ROOM);
            assertThat(again.message()).contains("room1");
            assertThat(snapshot("room1").userIds()).containsExactly("alice");
            assertThat(snapshot("room2").userIds()).isEmpty();
        }
    }

    @Test
    void membersSeeEachOtherComeAndGoButNeverThemselves() throws Exception {
        try (ParleyEngine a = server.engine(); ParleyEngine b = server.engine(); ParleyEngine c = server.engine()) {
            Pushes pa = Pushes.on(a);
            Pushes pb = Pushes.on(b);
            Pushes pc = Pushes.on(c);
            login(a, "r", "alice");
            login(b, "r", "bob");
            pa.await(ROOM_USER, p -> p.type().equals("ADD") && p.userIds().equals(List.of("bob")));
            // Bob's own login: one ADD with who was already there.
            pb.await(ROOM_USER, p -> p.type().equals("ADD") && p.userIds().equals(List.of("alice")));
            // Carol does not ask for user updates: she gets none.
            assertThat(c.loginRoom("r", token("carol"), user("carol"), new Messages.RoomConfig(false, 0)).get().code()).isZero();
            pa.await(ROOM_USER, p -> p.type().equals("ADD") && p.userIds().equals(List.of("carol")));
            pb.await(ROOM_USER, p -> p.type().equals("ADD") && p.userIds().equals(List.of("carol")));
            assertThat(b.logoutRoom().get().code()).isZero();
            pa.await(ROOM_USER, p -> p.type().equals("DELETE") && p.userIds().equals(List.of("bob")));
            assertThat(snapshot("r").userIds()).containsExactly("alice", "carol");
            assertThat(pc.named(ROOM_USER)).isEmpty();
            for (Pushes.Push p : pa.named(ROOM_USER)) {
                assertThat(p.userIds()).doesNotContain("alice");
            }
            for (Pushes.Push p : pb.named(ROOM_USER)) {
                assertThat(p.userIds()).doesNotContain("bob");
            }
            assertThat(pa.all().get(0).name()).isEqualTo(ROOM_STATE);
            JsonNode addBob = pa.named(ROOM_USER).get(0).data();
            assertThat(addBob.path("roomID").asText()).isEqualTo("r");
            assertThat(addBob.path("userList").get(0).path("userName").asText()).isEqualTo("name-bob");
        }
    }

    @Test
    void streamsAreAnnouncedToOthersAndToLateJoiners() throws Exception {
        try (ParleyEngine a = server.engine(); ParleyEngine b = server.engine(); ParleyEngine c = server.engine()) {
            Pushes pa = Pushes.on(a);
            Pushes pb = Pushes.on(b);
            Pushes pc = Pushes.on(c);
            login(a, "r", "alice");
            login(b, "r", "bob");
            Result pub = a.startPublishing("alice-mic", "{\"mic\":true}").get();
            assertThat(pub.code()).isZero();
            Pushes.Push add = pb.await(ROOM_STREAM, p -> p.type().equals("ADD"));
            JsonNode s = add.data().path("streamList").get(0);
            assertThat(s.path("streamID").asText()).isEqualTo("alice-mic");
            assertThat(s.path("user").path("userID").asText()).isEqualTo("alice");
            assertThat(s.path("extraInfo").asText()).isEqualTo("{\"mic\":true}");
            login(c, "r", "carol");
            pc.await(ROOM_STREAM, p -> p.type().equals("ADD") && p.streamIds().equals(List.of("alice-mic")));
            assertThat(a.stopPublishing("alice-mic").get().code()).isZero();
            Pushes.Push del = pb.await(ROOM_STREAM, p -> p.type().equals("DELETE"));
            assertThat(del.streamIds()).containsExactly("alice-mic");
            JsonNode ext = SignalCodec.MAPPER.readTree(del.data().path("extendedData").asText());
            assertThat(ext.path("stream_delete_reason").get(0).path("code").asInt()).isEqualTo(1);
            assertThat(ext.path("stream_delete_reason").get(0).path("stream_id").asText()).isEqualTo("alice-mic");
            pc.await(ROOM_STREAM, p -> p.type().equals("DELETE"));
            assertThat(pa.named(ROOM_STREAM)).as("never about your own streams").isEmpty();
            assertThat(a.stopPublishing("alice-mic").get().code()).isEqualTo(ErrorCode.PUBLISH_STREAM_NOT_FOUND);
        }
    }

    @Test
    void duplicateStreamIdIsRefusedAndTheFirstPublisherIsUndisturbed() throws Exception {
        try (ParleyEngine a = server.engine(); ParleyEngine b = server.engine(); ParleyEngine other = server.engine()) {
            Pushes pb = Pushes.on(b);
            login(a, "r1", "alice");
            login(b, "r1", "bob");
            login(other, "r2", "olga");
            assertThat(a.startPublishing("s1", "").get().code()).isZero();
            assertThat(a.startPublishing("s1", "").get().code()).isEqualTo(ErrorCode.ALREADY_PUBLISHING);
            Result dup = b.startPublishing("s1", "").get();
            assertThat(dup.code()).isEqualTo(ErrorCode.STREAM_ID_DUPLICATE);
            // Unique per AppID: another room does not help.
            assertThat(other.startPublishing("s1", "").get().code()).isEqualTo(ErrorCode.STREAM_ID_DUPLICATE);
            assertThat(snapshot("r1").streamIds()).containsExactly("s1");
            pb.await(ROOM_STREAM, p -> p.type().equals("ADD"));
            assertThat(pb.count(ROOM_STREAM, p -> p.type().equals("DELETE"))).isZero();
            assertThat(b.roomStreams()).containsExactly("s1");
        }
    }

    @Test
    void logoutDeletesTheUsersStreamsWithReasonOne() throws Exception {
        try (ParleyEngine a = server.engine(); ParleyEngine b = server.engine()) {
            Pushes pb = Pushes.on(b);
            login(a, "r", "alice");
            login(b, "r", "bob");
            a.startPublishing("a1", "").get();
            a.startPublishing("a2", "").get();
            pb.awaitCount(ROOM_STREAM, p -> p.type().equals("ADD"), 2);
            assertThat(a.logoutRoom().get().code()).isZero();
            Pushes.Push del = pb.await(ROOM_STREAM, p -> p.type().equals("DELETE"));
            assertThat(del.streamIds()).containsExactly("a1", "a2");
            JsonNode ext = SignalCodec.MAPPER.readTree(del.data().path("extendedData").asText());
            assertThat(ext.path("stream_delete_reason").findValuesAsText("code")).containsOnly("1");
            pb.await(ROOM_USER, p -> p.type().equals("DELETE") && p.userIds().equals(List.of("alice")));
            // Stream DELETE comes before the user's DELETE.
            List<Pushes.Push> order = pb.all().stream().filter(p -> p.type().equals("DELETE")).toList();
            assertThat(order.get(0).name()).isEqualTo(ROOM_STREAM);
            // The streamID is free again, and the session can log in again after logging out.
            assertThat(b.startPublishing("a1", "").get().code()).isZero();
            assertThat(login(a, "r", "alice").code()).isZero();
        }
    }

    @Test
    void maxMemberCountIsSetByTheFirstMemberAndRefusesTheOneOverIt() throws Exception {
        try (ParleyEngine a = server.engine(); ParleyEngine b = server.engine(); ParleyEngine c = server.engine()) {
            Pushes pc = Pushes.on(c);
            assertThat(a.loginRoom("small", token("a"), user("a"), new Messages.RoomConfig(true, 2)).get().code()).isZero();
            // A later member cannot raise the limit.
            assertThat(b.loginRoom("small", token("b"), user("b"), new Messages.RoomConfig(true, 10)).get().code()).isZero();
            Result full = c.loginRoom("small", token("c"), user("c"), new Messages.RoomConfig(true, 10)).get();
            assertThat(full.code()).isEqualTo(ErrorCode.ROOM_FULL);
            assertThat(full.message()).contains("maxMemberCount 2");
            pc.await(ROOM_STATE, p -> p.data().path("reason").asText().equals("LOGIN_FAILED")
                    && p.data().path("errorCode").asInt() == ErrorCode.ROOM_FULL);
            assertThat(snapshot("small").userIds()).containsExactly("a", "b");
            // Once someone leaves there is room again, on the same session.
            b.logoutRoom().get();
            assertThat(c.loginRoom("small", token("c"), user("c"), new Messages.RoomConfig(true, 10)).get().code()).isZero();
        }
    }

    @Test
    void laterLoginOfTheSameUserIdKicksTheEarlierSession() throws Exception {
        try (ParleyEngine first = server.engine(); ParleyEngine second = server.engine(); ParleyEngine peer = server.engine()) {
            Pushes p1 = Pushes.on(first);
            Pushes pp = Pushes.on(peer);
            login(peer, "r", "peer");
            login(first, "r", "dup");
            first.startPublishing("dup-mic", "").get();
            pp.await(ROOM_STREAM, p -> p.type().equals("ADD"));
            assertThat(second.loginRoom("elsewhere", token("dup"), user("dup"), withUserUpdates()).get().code()).isZero();
            Pushes.Push kick = p1.await(ROOM_STATE, p -> p.data().path("reason").asText().equals("KICKOUT"));
            assertThat(kick.data().path("errorCode").asInt()).isEqualTo(ErrorCode.KICKED_MULTIPLE_LOGIN);
            assertThat(kick.data().path("roomID").asText()).isEqualTo("r");
            WsClient.Closed closed = first.closed().get();
            assertThat(closed.status()).isEqualTo(1000);
            Pushes.Push del = pp.await(ROOM_STREAM, p -> p.type().equals("DELETE"));
            JsonNode ext = SignalCodec.MAPPER.readTree(del.data().path("extendedData").asText());
            assertThat(ext.path("stream_delete_reason").get(0).path("code").asInt()).isEqualTo(3);
            pp.await(ROOM_USER, p -> p.type().equals("DELETE") && p.userIds().equals(List.of("dup")));
            assertThat(snapshot("r").userIds()).containsExactly("peer");
            assertThat(snapshot("elsewhere").userIds()).containsExactly("dup");
            assertThat(server.server().rooms().app(TestServer.APP).sessionOf("dup")).isNotNull();
        }
    }

    @Test
    void sameUserLoggingInAgainToTheSameRoomLeavesOneMember() throws Exception {
        try (ParleyEngine first = server.engine(); ParleyEngine second = server.engine(); ParleyEngine peer = server.engine()) {
            Pushes pp = Pushes.on(peer);
            login(peer, "r", "peer");
            login(first, "r", "dup");
            login(second, "r", "dup");
            pp.await(ROOM_USER, p -> p.type().equals("DELETE"));
            await().until(() -> snapshot("r").userIds().equals(List.of("peer", "dup")));
            await().until(() -> peer.roomUsers().equals(List.of("dup")));
        }
    }

    @Test
    void roomIsDestroyedWithItsLastMember() throws Exception {
        try (ParleyEngine a = server.engine(); ParleyEngine b = server.engine()) {
            login(a, "ephemeral", "alice");
            login(b, "ephemeral", "bob");
            assertThat(server.server().rooms().roomCount()).isEqualTo(1);
            a.logoutRoom().get();
            assertThat(server.server().rooms().roomCount()).isEqualTo(1);
            b.close();
            await().until(() -> server.server().rooms().roomCount() == 0);
            assertThat(server.server().rooms().memberCount()).isZero();
            // The next login creates it afresh.
            assertThat(login(a, "ephemeral", "alice").code()).isZero();
            assertThat(snapshot("ephemeral").userIds()).containsExactly("alice");
        }
    }

    @Test
    void cleanCloseRemovesTheUserAtOnceWithReasonFive() throws Exception {
        try (ParleyEngine a = server.engine(); ParleyEngine b = server.engine()) {
            Pushes pb = Pushes.on(b);
            login(a, "r", "alice");
            login(b, "r", "bob");
            a.startPublishing("am", "").get();
            a.close();
            Pushes.Push del = pb.await(ROOM_STREAM, p -> p.type().equals("DELETE"));
            JsonNode ext = SignalCodec.MAPPER.readTree(del.data().path("extendedData").asText());
            assertThat(ext.path("stream_delete_reason").get(0).path("code").asInt()).isEqualTo(5);
            pb.await(ROOM_USER, p -> p.type().equals("DELETE"));
        }
    }

    @Test
    void tokenBoundToAnotherRoomIsRefusedWithLoginFailed() throws Exception {
        try (ParleyEngine a = server.engine()) {
            Pushes pa = Pushes.on(a);
            Result r = a.loginRoom("r2", token("alice", "r1", true), user("alice"), withUserUpdates()).get();
            assertThat(r.code()).isEqualTo(ErrorCode.TOKEN_INVALID);
            assertThat(r.message()).contains("room_id 'r1'");
            pa.await(ROOM_STATE, p -> p.data().path("reason").asText().equals("LOGIN_FAILED")
                    && p.data().path("errorCode").asInt() == ErrorCode.TOKEN_INVALID);
            assertThat(a.loginRoom("r1", token("alice", "r1", true), user("alice"), withUserUpdates()).get().code()).isZero();
        }
    }

    @Test
    void notificationsOfARoomArriveInTheOrderTheRoomDecidedThem() throws Exception {
        try (ParleyEngine a = server.engine(); ParleyEngine b = server.engine()) {
            Pushes pb = Pushes.on(b);
            login(a, "ord", "alice");
            login(b, "ord", "bob");
            for (int i = 0; i < 50; i++) {
                a.startPublishing("s" + i, "");
                a.stopPublishing("s" + i);
            }
            a.heartbeat().get();
            pb.awaitCount(ROOM_STREAM, p -> true, 100);
            List<Pushes.Push> seen = pb.named(ROOM_STREAM);
            for (int i = 0; i < 50; i++) {
                assertThat(seen.get(2 * i).type()).isEqualTo("ADD");
                assertThat(seen.get(2 * i).streamIds()).containsExactly("s" + i);
                assertThat(seen.get(2 * i + 1).type()).isEqualTo("DELETE");
                assertThat(seen.get(2 * i + 1).streamIds()).containsExactly("s" + i);
            }
            assertThat(b.roomStreams()).isEmpty();
        }
    }

    @Test
    void heartbeatKeepsASessionAliveAcrossTheTimeout() throws Exception {
        try (TestServer quick = TestServer.start(TestServer.config().withSession(
                new io.parley.server.config.ParleyConfig.Session(Duration.ofMillis(300), Duration.ofMillis(1500))));
             ParleyEngine a = quick.engine()) {
            Result r = a.loginRoom("hb", token("alice"), user("alice"), withUserUpdates()).get();
            assertThat(r.data().path("heartbeatInterval").asLong()).isEqualTo(300);
            // The engine heartbeats every 300 ms; the session must still be there after several timeouts' worth.
            long until = System.nanoTime() + Duration.ofMillis(4500).toNanos();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
                assertThat(quick.server().rooms().snapshot(TestServer.APP, "hb").join().userIds()).containsExactly("alice");
                return System.nanoTime() > until;
            });
        }
    }
}
