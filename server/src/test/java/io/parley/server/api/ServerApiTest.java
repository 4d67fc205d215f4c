package io.parley.server.api;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.ParleyEngine;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.Messages;
import io.parley.server.Pushes;
import io.parley.server.TestServer;
import io.parley.server.config.ParleyConfig;
import io.parley.server.room.RoomSnapshot;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every server API action over real HTTP, signed by the test itself; clients see what the reference says. */
class ServerApiTest {
    private TestServer server;
    private ApiCaller api;
    private final List<ParleyEngine> engines = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        // The reference's per-room limits (DescribeUserList 1/s per room) would pace these tests: off here,
        // checked on their own below.
        server = TestServer.start(TestServer.config().withApi(new ParleyConfig.Api(true, "127.0.0.1", 0, false, 0, 10_000)));
        api = new ApiCaller(server.server().apiPort(), TestServer.APP, TestServer.SECRET);
    }

    @AfterEach
    void stop() {
        engines.forEach(ParleyEngine::close);
        server.close();
    }

    private ParleyEngine login(String room, String userId) throws Exception {
        ParleyEngine e = server.engine();
        engines.add(e);
        assertThat(e.loginRoom(room, token(userId), user(userId), withUserUpdates()).get().code()).isZero();
        return e;
    }

    private RoomSnapshot snapshot(String room) {
        return server.server().rooms().snapshot(TestServer.APP, room).join();
    }

    private static void ok(JsonNode env) {
        assertThat(env.path("Code").asInt()).as("%s", env).isZero();
        assertThat(env.path("Message").asText()).isEqualTo("success");
        assertThat(env.path("RequestId").asText()).hasSize(16);
    }

    @Test
    void kickoutUserTellsTheClientTheCustomReasonAndEndsItsStreamsWithCode4() throws Exception {
        ParleyEngine a = login("r1", "alice");
        Pushes pa = Pushes.on(a);
        ParleyEngine b = login("r1", "bob");
        Pushes pb = Pushes.on(b);
        assertThat(b.startPublishing("bob-mic", "").get().code()).isZero();
        pa.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("ADD"));

        ok(api.get("KickoutUser", Map.of("RoomId", "r1", "UserId", List.of("bob", "nobody"), "CustomReason", "be nice")));

        Pushes.Push kick = pb.await(Messages.ROOM_STATE_CHANGED, p -> p.data().path("reason").asText().equals("KICKOUT"));
        assertThat(kick.data().path("errorCode").asInt()).isEqualTo(ErrorCode.KICKED_BY_SERVER);
        JsonNode ext = ApiCaller.JSON.readTree(kick.data().path("extendedData").asText());
        assertThat(ext.path("custom_kickout_message").asText()).isEqualTo("be nice");
        assertThat(b.roomState()).isEqualTo("KICKOUT");
        assertThat(b.lastErrorCode()).isEqualTo(ErrorCode.KICKED_BY_SERVER);
        Pushes.Push gone = pa.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("DELETE"));
        assertThat(gone.data().path("extendedData").asText()).contains("\"code\":4");
        pa.await(Messages.ROOM_USER_UPDATE, p -> p.type().equals("DELETE") && p.userIds().contains("bob"));
        assertThat(snapshot("r1").userIds()).containsExactly("alice");
        // A user who is not there: success, nothing changes.
        ok(api.get("KickoutUser", Map.of("RoomId", "r1", "UserId", List.of("carol"))));
        assertThat(snapshot("r1").userIds()).containsExactly("alice");
    }

    @Test
    void closeRoomKicksEveryoneAndTheRoomIsGone() throws Exception {
        ParleyEngine a = login("r2", "alice");
        ParleyEngine b = login("r2", "bob");
        Pushes pa = Pushes.on(a);
        Pushes pb = Pushes.on(b);
        ok(api.post("CloseRoom", Map.of("RoomId", "r2", "CustomReason", "closing time")));
        for (Pushes p : List.of(pa, pb)) {
            Pushes.Push k = p.await(Messages.ROOM_STATE_CHANGED, x -> x.data().path("reason").asText().equals("KICKOUT"));
            assertThat(k.data().path("errorCode").asInt()).isEqualTo(ErrorCode.KICKED_BY_SERVER);
            assertThat(k.data().path("extendedData").asText()).contains("closing time").contains("room_closed");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> server.server().rooms().roomCount() == 0);
        JsonNode num = api.get("DescribeUserNum", Map.of("RoomId", List.of("r2")));
        ok(num);
        assertThat(num.path("Data").path("UserCountList").get(0).path("UserCount").asInt()).isZero();
        assertThat(api.get("CloseRoom", Map.of("RoomId", "r2")).path("Code").asInt()).isEqualTo(104);
    }

    @Test
    void describeActionsAnswerWithTheReferenceFields() throws Exception {
        for (String u : List.of("u1", "u2", "u3", "u4", "u5")) {
            login("r3", u);
        }
        login("other", "x1");
        engines.get(1).startPublishing("u2-mic", "hello").get();

        JsonNode num = api.get("DescribeUserNum", Map.of("RoomId", List.of("r3", "other", "empty")));
        ok(num);
        assertThat(num.path("Data").path("UserCountList").toString()).isEqualTo(
                "[{\"RoomId\":\"r3\",\"UserCount\":5,\"AdminUserCount\":0},{\"RoomId\":\"other\",\"UserCount\":1,"
                        + "\"AdminUserCount\":0},{\"RoomId\":\"empty\",\"UserCount\":0,\"AdminUserCount\":0}]");

        List<String> seen = new ArrayList<>();
        String marker = "";
        int pages = 0;
        do {
            JsonNode page = api.get("DescribeUserList", Map.of("RoomId", "r3", "Limit", 2, "Marker", marker));
            ok(page);
            page.path("Data").path("UserList").forEach(u -> {
                seen.add(u.path("UserId").asText());
                assertThat(u.path("UserRole").asInt()).isEqualTo(2);
            });
            marker = page.path("Data").path("Marker").asText();
            pages++;
        } while (!marker.isEmpty());
        assertThat(seen).containsExactly("u1", "u2", "u3", "u4", "u5");
        assertThat(pages).isEqualTo(3);
        JsonNode desc = api.post("DescribeUserList", Map.of("RoomId", "r3", "Mode", 1, "Limit", 2));
        assertThat(desc.path("Data").path("UserList").findValuesAsText("UserId")).containsExactly("u5", "u4");

        JsonNode users = api.get("DescribeUsers", Map.of("RoomId", "r3", "UserId", List.of("u1", "x1")));
        ok(users);
        JsonNode list = users.path("Data").path("UserStatusList");
        assertThat(list.get(0).path("Status").asInt()).isEqualTo(1);
        assertThat(list.get(0).path("LoginTime").asLong()).isGreaterThan(1_600_000_000_000L);
        assertThat(list.get(1).path("Status").asInt()).isZero();

        JsonNode streams = api.get("DescribeSimpleStreamList", Map.of("RoomId", "r3"));
        ok(streams);
        JsonNode s = streams.path("Data").path("StreamList").get(0);
        assertThat(s.path("StreamId").asText()).isEqualTo("u2-mic");
        assertThat(s.path("UserId").asText()).isEqualTo("u2");
        assertThat(s.path("UserName").asText()).isEqualTo("name-u2");
        assertThat(s.path("CreateTime").asLong()).isGreaterThan(1_600_000_000_000L);
    }

    @Test
    void deleteStreamShowsCode6AndThePublisherStays_addStreamAnnounces() throws Exception {
        ParleyEngine a = login("r4", "alice");
        Pushes pa = Pushes.on(a);
        ParleyEngine b = login("r4", "bob");
        b.startPublishing("bob-mic", "").get();
        pa.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("ADD"));

        ok(api.get("DeleteStream", Map.of("RoomId", "r4", "UserId", "bob", "StreamId", "bob-mic")));
        Pushes.Push del = pa.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("DELETE"));
        assertThat(del.data().path("extendedData").asText()).contains("\"code\":6").contains("remove_by_server");
        assertThat(snapshot("r4").userIds()).containsExactly("alice", "bob");
        assertThat(snapshot("r4").streamIds()).isEmpty();
        assertThat(api.get("DeleteStream", Map.of("RoomId", "r4", "StreamId", "bob-mic")).path("Code").asInt()).isEqualTo(138);
        // The streamID is free again.
        assertThat(b.startPublishing("bob-mic", "").get().code()).isZero();

        ok(api.post("AddStream", Map.of("RoomId", "r4", "UserId", "bot", "UserName", "Bot", "StreamId", "bot-1",
                "ExtraInfo", "{\"k\":1}")));
        Pushes.Push add = pa.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("ADD") && p.streamIds().contains("bot-1"));
        assertThat(add.data().path("streamList").get(0).path("user").path("userName").asText()).isEqualTo("Bot");
        assertThat(snapshot("r4").streamIds()).contains("bot-1");
        assertThat(api.post("AddStream", Map.of("RoomId", "r4", "UserId", "bot", "StreamId", "bot-1")).path("Code").asInt())
                .isEqualTo(1012);
        assertThat(api.post("AddStream", Map.of("RoomId", "nowhere", "UserId", "bot", "StreamId", "bot-2")).path("Code").asInt())
                .isEqualTo(104);
        ok(api.get("DeleteStream", Map.of("RoomId", "r4", "StreamId", "bot-1")));
        pa.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("DELETE") && p.streamIds().contains("bot-1"));
    }

    @Test
    void refusalsAnswerTheirCodeAndChangeNothing() throws Exception {
        login("r5", "alice");
        login("r5", "bob");
        RoomSnapshot before = snapshot("r5");
        Map<String, Object> kick = Map.of("RoomId", "r5", "UserId", List.of("bob"));
        long now = System.currentTimeMillis() / 1000;

        assertThat(api.getRaw(api.common("KickoutUser", ApiCaller.nonce(), now, "wrong-secret-wrong-secret-wrong!"), kick)
                .path("Code").asInt()).isEqualTo(100000005);
        assertThat(api.getRaw(api.common("KickoutUser", ApiCaller.nonce(), now - 610, TestServer.SECRET), kick)
                .path("Code").asInt()).isEqualTo(100000004);
        assertThat(api.getRaw(api.common("KickoutUser", ApiCaller.nonce(), now + 610, TestServer.SECRET), kick)
                .path("Code").asInt()).isEqualTo(100000004);
        Map<String, String> once = api.common("DescribeUserNum", ApiCaller.nonce(), now, TestServer.SECRET);
        ok(api.getRaw(once, Map.of("RoomId", List.of("r5"))));
        JsonNode replay = api.getRaw(once, kick);
        assertThat(replay.path("Code").asInt()).isEqualTo(100000005);
        assertThat(replay.path("Message").asText()).contains("SignatureNonce");
        assertThat(api.get("KickEveryone", kick).path("Code").asInt()).isEqualTo(100000007);
        ApiCaller stranger = new ApiCaller(server.server().apiPort(), 999, TestServer.SECRET);
        assertThat(stranger.get("KickoutUser", kick).path("Code").asInt()).isEqualTo(100000010);
        Map<String, String> noVersion = api.common("KickoutUser");
        noVersion.put("SignatureVersion", "1.0");
        assertThat(api.getRaw(noVersion, kick).path("Code").asInt()).isEqualTo(100000014);
        Map<String, String> noNonce = api.common("KickoutUser");
        noNonce.remove("SignatureNonce");
        assertThat(api.getRaw(noNonce, kick).path("Code").asInt()).isEqualTo(100000008);
        assertThat(api.get("KickoutUser", Map.of("RoomId", "r5")).path("Code").asInt()).isEqualTo(2);
        assertThat(api.get("KickoutUser", Map.of("UserId", List.of("bob"))).path("Code").asInt()).isEqualTo(2);
        assertThat(api.get("KickoutUser", Map.of("RoomId", "r5", "UserId", List.of("a", "b", "c", "d", "e", "f")))
                .path("Code").asInt()).isEqualTo(50011);
        assertThat(api.get("KickoutUser", Map.of("RoomId", "r5", "UserId", List.of("bob"), "CustomReason", "x".repeat(257)))
                .path("Code").asInt()).isEqualTo(3);
        assertThat(api.get("KickoutUser", Map.of("RoomId", "bad:id", "UserId", List.of("bob"))).path("Code").asInt()).isEqualTo(2);
        assertThat(api.get("SendBroadcastMessage", Map.of("RoomId", "r5")).path("Message").asText()).contains("Unsupported Action");
        assertThat(snapshot("r5")).isEqualTo(before);
    }

    @Test
    void forbidRulesTakeEffectAtTheNextLoginOrPublish() throws Exception {
        ok(api.get("SetForbidUserRule", Map.of("RuleType", 3, "UserId", "mallory", "DisabledPrivilege", List.of(1),
                "EffectiveTime", 60)));
        ok(api.get("SetForbidUserRule", Map.of("RuleType", 4, "RoomId", "r6", "UserId", "eve", "DisabledPrivilege", List.of(2),
                "EffectiveTime", 60)));
        JsonNode rules = api.get("DescribeForbidUserRules", Map.of());
        assertThat(rules.path("Data").path("Rules")).hasSize(2);

        ParleyEngine m = server.engine();
        engines.add(m);
        assertThat(m.loginRoom("r6", token("mallory"), user("mallory"), withUserUpdates()).get().code())
                .isEqualTo(ErrorCode.LOGIN_FORBIDDEN);
        ParleyEngine e = login("r6", "eve");
        assertThat(e.startPublishing("eve-mic", "").get().code()).isEqualTo(ErrorCode.PUBLISH_FORBIDDEN);

        ok(api.get("DelForbidUserRule", Map.of("RuleType", 3, "UserId", "mallory")));
        assertThat(m.loginRoom("r6", token("mallory"), user("mallory"), withUserUpdates()).get().code()).isZero();

        // ForbidRTCStream stops a live stream (publisher: 1003025) and refuses it until ResumeRTCStream.
        ParleyEngine a = login("r6", "alice");
        Pushes pa = Pushes.on(a);
        assertThat(a.startPublishing("alice-mic", "").get().code()).isZero();
        ok(api.get("ForbidRTCStream", Map.of("StreamId", "alice-mic", "Sequence", 1)));
        pa.await(Messages.PUBLISHER_STATE_UPDATE, p -> p.data().path("errorCode").asInt() == ErrorCode.PUBLISH_FORBIDDEN);
        assertThat(snapshot("r6").streamIds()).doesNotContain("alice-mic");
        assertThat(api.get("DescribeRTCStreamState", Map.of("StreamId", "alice-mic")).path("Data").path("Status").asInt()).isEqualTo(1);
        assertThat(a.startPublishing("alice-mic", "").get().code()).isEqualTo(ErrorCode.PUBLISH_FORBIDDEN);
        assertThat(api.get("ResumeRTCStream", Map.of("StreamId", "alice-mic", "Sequence", 1)).path("Code").asInt()).isEqualTo(2);
        ok(api.get("ResumeRTCStream", Map.of("StreamId", "alice-mic", "Sequence", 2)));
        assertThat(a.startPublishing("alice-mic", "").get().code()).isZero();
    }

    @Test
    void openApiIsServedAndOtherPathsAreNot() throws Exception {
        HttpResponse<String> r = api.raw("/openapi.json");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode doc = ApiCaller.JSON.readTree(r.body());
        assertThat(doc.path("openapi").asText()).startsWith("3.");
        List<String> described = new ArrayList<>();
        doc.path("x-parley-actions").fieldNames().forEachRemaining(described::add);
        assertThat(described).containsExactlyInAnyOrder("KickoutUser", "CloseRoom", "DescribeUserNum", "DescribeUserList",
                "DescribeUsers", "DescribeSimpleStreamList", "DescribeRoomList", "AddStream", "DeleteStream", "SetForbidUserRule",
                "DescribeForbidUserRules", "DelForbidUserRule", "ForbidRTCStream", "ResumeRTCStream",
                "DescribeRTCStreamState", "SendBroadcastMessage", "SendBarrageMessage", "SendCustomCommand");
        for (String action : described) {
            int code = api.get(action, Map.of()).path("Code").asInt();
            if (action.startsWith("Send")) {
                assertThat(code).as(action).isEqualTo(100000007);
            } else {
                assertThat(code).as(action).isNotEqualTo(100000007);
            }
        }
        assertThat(api.raw("/ws").statusCode()).isEqualTo(404);
    }

    @Test
    void rateLimitsAnswer206WithoutQueueing() throws Exception {
        try (TestServer limited = TestServer.start()) {
            ApiCaller c = new ApiCaller(limited.server().apiPort(), TestServer.APP, TestServer.SECRET);
            int refused = 0;
            for (int i = 0; i < 3; i++) {
                int code = c.get("CloseRoom", Map.of("RoomId", "none")).path("Code").asInt();
                refused += code == 206 ? 1 : 0;
            }
            assertThat(refused).as("CloseRoom allows 1 call per second per App").isGreaterThanOrEqualTo(1);
            int roomLimited = 0;
            for (int i = 0; i < 3; i++) {
                roomLimited += c.get("DescribeSimpleStreamList", Map.of("RoomId", "r")).path("Code").asInt() == 207 ? 1 : 0;
            }
            assertThat(roomLimited).as("DescribeSimpleStreamList allows 1 call per 10 s per room").isEqualTo(2);
        }
    }
}
