package io.parley.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.Messages;
import io.parley.server.RawClient;
import io.parley.server.TestServer;
import io.parley.server.auth.JwtTokens;
import io.parley.server.config.AppConfig;
import io.parley.server.config.ParleyConfig;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Promises of PROTOCOL.md's newer sections ("Resume after a dropped connection", "Tokens over time", "Extra info and
 * messages", "Multi-room") checked the way a third party reads them: raw JSON over a real WebSocket, against the
 * server's defaults. Only promises no other test asserts are here.
 */
class ProtocolPromisesTest {
    private static final long MULTI_APP = 3_330_001;
    private static final String MULTI_SECRET = "multi0multi0multi0multi0multi0mu";

    private TestServer server;
    private final List<RawClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        ParleyConfig base = TestServer.config();
        List<AppConfig> apps = new ArrayList<>(base.apps());
        apps.add(new AppConfig(MULTI_APP, MULTI_SECRET).withMultiRoom(true));
        server = TestServer.start(base.withApps(apps));
    }

    @AfterEach
    void stop() {
        clients.forEach(RawClient::close);
        server.close();
    }

    private RawClient raw() {
        RawClient c = server.raw();
        clients.add(c);
        return c;
    }

    private static String jwt(long app, String secret, String user, long expiresInSeconds, boolean publish, List<String> streams) {
        Instant now = Instant.now();
        return JwtTokens.mint(app, user, secret.getBytes(StandardCharsets.UTF_8), now.minusSeconds(5),
                Instant.ofEpochSecond(now.getEpochSecond() + expiresInSeconds), null, true, publish, streams);
    }

    private static String loginData(long app, String room, String user, String token, String config) {
        return "{\"appID\":" + app + ",\"roomID\":\"" + room + "\",\"token\":\"" + token + "\",\"user\":{\"userID\":\""
                + user + "\",\"userName\":\"name-" + user + "\"},\"config\":" + config + "}";
    }

    /** Logs a raw client in to {@code room} of the test App with userUpdate on; returns the response. */
    private static JsonNode login(RawClient c, String room, String user) {
        JsonNode r = c.call("login-" + room, "loginRoom", loginData(TestServer.APP, room, user, TestServer.token(user),
                "{\"userUpdate\":true}"));
        assertThat(r.path("code").asInt()).as(r.toString()).isZero();
        return r;
    }

    private static JsonNode multiLogin(RawClient c, String room, String user, long tokenSeconds) {
        JsonNode r = c.call("login-" + room, "loginRoom", loginData(MULTI_APP, room, user,
                jwt(MULTI_APP, MULTI_SECRET, user, tokenSeconds, true, null), "{\"userUpdate\":true,\"multiRoom\":true}"));
        assertThat(r.path("code").asInt()).as(r.toString()).isZero();
        return r;
    }

    private static JsonNode pushFor(RawClient c, String push, String room) {
        return c.next(n -> push.equals(n.path("push").asText()) && room.equals(n.path("data").path("roomID").asText()));
    }

    @Test
    void theLoginSequenceComesInItsDocumentedOrderNumberedOneByOne() {
        RawClient bob = raw();
        login(bob, "seq-room", "bob");
        assertThat(bob.call("p", "startPublishing", "{\"streamID\":\"bob-mic\"}").path("code").asInt()).isZero();
        assertThat(bob.call("x", "setRoomExtraInfo", "{\"key\":\"topic\",\"value\":\"jazz\"}").path("code").asInt()).isZero();

        RawClient alice = raw();
        alice.send("{\"id\":\"1\",\"type\":\"loginRoom\",\"data\":" + loginData(TestServer.APP, "seq-room", "alice",
                TestServer.token("alice"), "{\"userUpdate\":true}") + "}");
        // PROTOCOL.md, loginRoom: the response, then LOGINED, the members, the streams, the extra info, the count.
        JsonNode response = alice.next(n -> true);
        assertThat(response.path("id").asText()).isEqualTo("1");
        assertThat(response.path("code").asInt()).isZero();
        assertThat(response.has("seq")).as("responses carry no seq").isFalse();
        List<String> order = new ArrayList<>();
        List<Long> seqs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            JsonNode p = alice.next(n -> true);
            assertThat(p.path("data").path("roomID").asText()).as(p.toString()).isEqualTo("seq-room");
            order.add(p.path("push").asText());
            seqs.add(p.path("seq").asLong());
            switch (p.path("push").asText()) {
                case Messages.ROOM_STATE_CHANGED -> {
                    assertThat(p.path("data").path("reason").asText()).isEqualTo("LOGINED");
                    assertThat(p.path("data").path("errorCode").asInt()).isZero();
                }
                case Messages.ROOM_USER_UPDATE -> {
                    assertThat(p.path("data").path("updateType").asText()).isEqualTo("ADD");
                    assertThat(p.path("data").path("userList").get(0).path("userName").asText()).isEqualTo("name-bob");
                }
                case Messages.ROOM_STREAM_UPDATE ->
                        assertThat(p.path("data").path("streamList").get(0).path("streamID").asText()).isEqualTo("bob-mic");
                case Messages.ROOM_EXTRA_INFO_UPDATE ->
                        assertThat(p.path("data").path("roomExtraInfoList").get(0).path("value").asText()).isEqualTo("jazz");
                case Messages.ROOM_ONLINE_USER_COUNT_UPDATE -> assertThat(p.path("data").path("count").asInt()).isEqualTo(2);
                default -> { }
            }
        }
        assertThat(order).containsExactly(Messages.ROOM_STATE_CHANGED, Messages.ROOM_USER_UPDATE, Messages.ROOM_STREAM_UPDATE,
                Messages.ROOM_EXTRA_INFO_UPDATE, Messages.ROOM_ONLINE_USER_COUNT_UPDATE);
        assertThat(seqs).containsExactly(1L, 2L, 3L, 4L, 5L);
        // Bob hears of alice; his own requests told him nothing about themselves.
        JsonNode add = bob.push(Messages.ROOM_USER_UPDATE);
        assertThat(add.path("data").path("userList").get(0).path("userID").asText()).isEqualTo("alice");
        assertThat(bob.call("hb", "heartbeat", "{}").path("code").asInt()).isZero();
        bob.next(n -> n.has("push") && Messages.ROOM_ONLINE_USER_COUNT_UPDATE.equals(n.path("push").asText()));
    }

    @Test
    void theMessageLimitsAnswerWithTheirCodesAndOnlyAcceptedMessagesArrive() {
        // Twenty members, two broadcasts each sent at once: the room takes 10 a second (1109001 past it), each member 2.
        // All 40 would pass only if they took the server 3 s to read: never a fluke on a busy machine.
        List<RawClient> members = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            RawClient c = raw();
            login(c, "lim", "m" + i);
            members.add(c);
        }
        RawClient listener = raw();
        login(listener, "lim", "listener");
        for (RawClient c : members) {
            c.send("{\"id\":\"b1\",\"type\":\"sendBroadcastMessage\",\"data\":{\"message\":\"one\"}}");
            c.send("{\"id\":\"b2\",\"type\":\"sendBroadcastMessage\",\"data\":{\"message\":\"two\"}}");
        }
        int accepted = 0;
        int roomLimited = 0;
        for (RawClient c : members) {
            for (String id : List.of("b1", "b2")) {
                JsonNode r = c.response(id);
                int code = r.path("code").asInt();
                if (code == 0) {
                    accepted++;
                    assertThat(r.path("data").path("roomID").asText()).isEqualTo("lim");
                    assertThat(r.path("data").path("messageID").isIntegralNumber()).isTrue();
                } else {
                    assertThat(code).as(r.toString()).isEqualTo(ErrorCode.MESSAGE_RATE_LIMITED);
                    assertThat(r.path("message").asText()).isNotBlank();
                    roomLimited++;
                }
            }
        }
        assertThat(roomLimited).as("40 broadcasts at once in a room that takes 10 a second").isPositive();
        // The listener gets exactly the accepted ones, numbered 1, 2, 3... in the room.
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < accepted; i++) {
            ids.add(listener.push(Messages.IM_RECV_BROADCAST_MESSAGE).path("data").path("messageList").get(0)
                    .path("messageID").asLong());
        }
        for (int i = 1; i < ids.size(); i++) {
            assertThat(ids.get(i)).isEqualTo(ids.get(i - 1) + 1);
        }
        // Custom commands: bad userIDs in the list get their codes; yourself in the list is skipped, not a failure.
        RawClient a = members.get(0);
        assertThat(a.call("c1", "sendCustomCommand", "{\"command\":\"x\",\"toUserIDs\":[\"\"]}").path("code").asInt())
                .isEqualTo(ErrorCode.USER_ID_EMPTY);
        assertThat(a.call("c2", "sendCustomCommand", "{\"command\":\"x\",\"toUserIDs\":[\"" + "u".repeat(65) + "\"]}")
                .path("code").asInt()).isEqualTo(ErrorCode.USER_ID_TOO_LONG);
        JsonNode self = a.call("c3", "sendCustomCommand", "{\"command\":\"x\",\"toUserIDs\":[\"m0\",\"m1\"]}");
        assertThat(self.path("code").asInt()).isZero();
        assertThat(self.path("data").path("roomID").asText()).isEqualTo("lim");
        assertThat(self.path("data").path("failUserList")).isEmpty();
        assertThat(members.get(1).push(Messages.IM_RECV_CUSTOM_COMMAND).path("data").path("fromUser").path("userID").asText())
                .isEqualTo("m0");
        // To everyone: 10 a second from one sender (1109001 past it); 30 at once.
        RawClient b = members.get(1);
        for (int i = 0; i < 30; i++) {
            b.send("{\"id\":\"e" + i + "\",\"type\":\"sendCustomCommand\",\"data\":{\"command\":\"all\"}}");
        }
        int many = 0;
        int manyLimited = 0;
        for (int i = 0; i < 30; i++) {
            int code = b.response("e" + i).path("code").asInt();
            many += code == 0 ? 1 : 0;
            manyLimited += code == ErrorCode.MESSAGE_RATE_LIMITED ? 1 : 0;
        }
        assertThat(many + manyLimited).isEqualTo(30);
        assertThat(manyLimited).isPositive();
        // Barrage: a string messageID, unique in the room.
        JsonNode barrage = a.call("g1", "sendBarrageMessage", "{\"message\":\"666\"}");
        assertThat(barrage.path("code").asInt()).isZero();
        assertThat(barrage.path("data").path("messageID").isTextual()).isTrue();
        assertThat(barrage.path("data").path("roomID").asText()).isEqualTo("lim");
        JsonNode barragePush = listener.push(Messages.IM_RECV_BARRAGE_MESSAGE);
        assertThat(barragePush.path("seq").asLong()).as("every push but quality updates is numbered").isPositive();
        JsonNode got = barragePush.path("data").path("messageList").get(0);
        assertThat(got.path("messageID").asText()).isEqualTo(barrage.path("data").path("messageID").asText());
        assertThat(got.path("sendTime").asLong()).isPositive();
    }

    @Test
    void aShortTokenIsWarnedAtOnceAndARenewedTokensPrivilegesApplyToLaterPublishes() {
        RawClient a = raw();
        // 10 s left: less than auth.tokenWillExpireLead (30 s), so tokenWillExpire comes at once after the login.
        JsonNode r = a.call("1", "loginRoom", loginData(TestServer.APP, "tok", "alice",
                jwt(TestServer.APP, TestServer.SECRET, "alice", 10, true, null), "{}"));
        assertThat(r.path("code").asInt()).isZero();
        JsonNode warn = a.push(Messages.TOKEN_WILL_EXPIRE);
        assertThat(warn.path("data").path("roomID").asText()).isEqualTo("tok");
        assertThat(warn.path("data").path("remainTimeInSecond").asLong()).isBetween(1L, 10L);
        assertThat(warn.path("seq").asLong()).isPositive();

        // A new token that has already expired: 1102018, and the old one stays.
        JsonNode expired = a.call("2", "renewToken", "{\"token\":\"" + jwt(TestServer.APP, TestServer.SECRET, "alice", -60, true, null) + "\"}");
        assertThat(expired.path("code").asInt()).isEqualTo(ErrorCode.TOKEN_EXPIRED);
        // A renewal without publish privilege: the next publish is refused (1003025); one with a stream list limits it.
        long exp = Instant.now().getEpochSecond() + 3600;
        JsonNode noPublish = a.call("3", "renewToken", "{\"roomID\":\"tok\",\"token\":\""
                + jwt(TestServer.APP, TestServer.SECRET, "alice", 3600, false, null) + "\"}");
        assertThat(noPublish.path("code").asInt()).as(noPublish.toString()).isZero();
        assertThat(noPublish.path("data").path("tokenExpireTime").asLong()).isBetween(exp - 5, exp + 5);
        assertThat(a.call("4", "startPublishing", "{\"streamID\":\"alice-mic\"}").path("code").asInt())
                .isEqualTo(ErrorCode.PUBLISH_FORBIDDEN);
        assertThat(a.call("5", "renewToken", "{\"token\":\""
                + jwt(TestServer.APP, TestServer.SECRET, "alice", 3600, true, List.of("alice-mic")) + "\"}").path("code").asInt())
                .isZero();
        assertThat(a.call("6", "startPublishing", "{\"streamID\":\"alice-other\"}").path("code").asInt())
                .isEqualTo(ErrorCode.PUBLISH_FORBIDDEN);
        assertThat(a.call("7", "startPublishing", "{\"streamID\":\"alice-mic\"}").path("code").asInt()).isZero();
        // A renewal to a token that is itself short is warned about again, on its own expiry.
        long seq = a.call("8", "heartbeat", "{}").path("code").asInt() == 0 ? warn.path("seq").asLong() : -1;
        assertThat(a.call("9", "renewToken", "{\"token\":\""
                + jwt(TestServer.APP, TestServer.SECRET, "alice", 5, true, null) + "\"}").path("code").asInt()).isZero();
        JsonNode again = a.next(n -> Messages.TOKEN_WILL_EXPIRE.equals(n.path("push").asText()) && n.path("seq").asLong() > seq);
        assertThat(again.path("data").path("remainTimeInSecond").asLong()).isBetween(1L, 5L);
        // Refused renewals count as failed logins: past the address's budget (20), 1002071.
        int code = 0;
        for (int i = 0; i < 25 && code != ErrorCode.LOGIN_RATE_LIMITED; i++) {
            code = a.call("bad" + i, "renewToken", "{\"token\":\"garbage\"}").path("code").asInt();
            assertThat(code).isIn(ErrorCode.TOKEN_INVALID, ErrorCode.LOGIN_RATE_LIMITED);
        }
        assertThat(code).isEqualTo(ErrorCode.LOGIN_RATE_LIMITED);
    }

    @Test
    void aMultiRoomSessionNamesTheRoomOfEveryRequestAndEveryPush() {
        RawClient host = raw();
        multiLogin(host, "mr-1", "host", 3600);
        assertThat(host.call("p", "startPublishing", "{\"streamID\":\"host-mic\"}").path("code").asInt()).isZero();
        RawClient a = raw();
        // Tokens with 10 s left: tokenWillExpire comes once for each room, naming it.
        multiLogin(a, "mr-1", "alice", 10);
        pushFor(a, Messages.TOKEN_WILL_EXPIRE, "mr-1");
        multiLogin(a, "mr-2", "alice", 10);
        pushFor(a, Messages.TOKEN_WILL_EXPIRE, "mr-2");

        // Requests that act in a room need its roomID now (1100001 without, 1002002 for a room the session is not in).
        for (String[] req : List.of(
                new String[] {"renewToken", "{\"token\":\"" + jwt(MULTI_APP, MULTI_SECRET, "alice", 3600, true, null) + "\"}"},
                new String[] {"setRoomExtraInfo", "{\"key\":\"k\",\"value\":\"v\"}"},
                new String[] {"sendBarrageMessage", "{\"message\":\"m\"}"},
                new String[] {"sendCustomCommand", "{\"command\":\"c\"}"},
                new String[] {"mutePublishStreamAudio", "{\"streamID\":\"s\",\"mute\":true}"},
                new String[] {"startPlaying", "{\"streamID\":\"host-mic\",\"transport\":\"flv\"}"})) {
            JsonNode r = a.call("n-" + req[0], req[0], req[1]);
            assertThat(r.path("code").asInt()).as(req[0] + ": " + r).isEqualTo(ErrorCode.PARAMETER_ERROR);
            assertThat(r.path("message").asText()).as(req[0]).contains("roomID");
        }
        assertThat(a.call("lo", "logoutRoom", "{\"roomID\":\"mr-9\"}").path("code").asInt()).isEqualTo(ErrorCode.NOT_IN_THIS_ROOM);
        JsonNode renewed = a.call("rn", "renewToken", "{\"roomID\":\"mr-2\",\"token\":\""
                + jwt(MULTI_APP, MULTI_SECRET, "alice", 3600, true, null) + "\"}");
        assertThat(renewed.path("code").asInt()).as(renewed.toString()).isZero();
        assertThat(renewed.path("data").path("roomID").asText()).isEqualTo("mr-2");

        // The player's state pushes name the room; FLV playing works in the session's first room only.
        JsonNode play = a.call("pl", "startPlaying", "{\"roomID\":\"mr-1\",\"streamID\":\"host-mic\",\"transport\":\"flv\"}");
        assertThat(play.path("code").asInt()).as(play.toString()).isZero();
        JsonNode requesting = pushFor(a, Messages.PLAYER_STATE_UPDATE, "mr-1");
        assertThat(requesting.path("data").path("state").asText()).isEqualTo("PLAY_REQUESTING");
        assertThat(requesting.path("data").path("streamID").asText()).isEqualTo("host-mic");
        JsonNode elsewhere = a.call("pl2", "startPlaying", "{\"roomID\":\"mr-2\",\"streamID\":\"host-mic\",\"transport\":\"flv\"}");
        assertThat(elsewhere.path("code").asInt()).as(elsewhere.toString()).isEqualTo(ErrorCode.PARAMETER_ERROR);
        // A muted stream: the player hears MUTE, naming the room.
        assertThat(host.call("mu", "mutePublishStreamAudio", "{\"streamID\":\"host-mic\",\"mute\":true}").path("code").asInt())
                .isZero();
        JsonNode mute = pushFor(a, Messages.REMOTE_MIC_STATUS_UPDATE, "mr-1");
        assertThat(mute.path("data").path("status").asText()).isEqualTo("MUTE");
    }

    @Test
    void aResumeAnswersWithTheSessionsTimingsAndIsRefusedWhileDraining() {
        RawClient a = raw();
        JsonNode login = login(a, "res", "alice").path("data");
        long seq = a.push(Messages.ROOM_ONLINE_USER_COUNT_UPDATE).path("seq").asLong();
        a.ws().abort();
        org.awaitility.Awaitility.await().until(() -> !a.ws().isOpen());
        String resume = "{\"appID\":" + TestServer.APP + ",\"roomID\":\"res\",\"userID\":\"alice\",\"sessionID\":\""
                + login.path("sessionID").asText() + "\",\"resumeToken\":\"" + login.path("resumeToken").asText()
                + "\",\"lastSeq\":" + seq + "}";
        RawClient back = raw();
        JsonNode ok = back.call("1", "resumeSession", resume);
        assertThat(ok.path("code").asInt()).as(ok.toString()).isZero();
        JsonNode d = ok.path("data");
        assertThat(d.path("roomID").asText()).isEqualTo("res");
        assertThat(d.path("roomIDs").get(0).asText()).isEqualTo("res");
        assertThat(d.path("heartbeatInterval").asLong()).isEqualTo(login.path("heartbeatInterval").asLong());
        assertThat(d.path("heartbeatTimeout").asLong()).isEqualTo(login.path("heartbeatTimeout").asLong());
        assertThat(d.path("lastSeq").asLong()).isEqualTo(seq);
        assertThat(d.path("replayed").asInt()).isZero();
        assertThat(ok.has("seq")).isFalse();

        back.ws().abort();
        org.awaitility.Awaitility.await().until(() -> !back.ws().isOpen());
        server.server().rooms().drain();
        RawClient draining = raw();
        JsonNode refused = draining.call("1", "resumeSession", resume);
        assertThat(refused.path("code").asInt()).as(refused.toString()).isEqualTo(ErrorCode.SERVER_DRAINING);
        assertThat(refused.path("message").asText()).isNotBlank();
    }

    @Test
    void aHeartbeatAckOfASeqNeverSentIsRefusedAndLetsNothingGo() {
        RawClient a = raw();
        // Before a login there is no push to acknowledge.
        assertThat(a.call("h0", "heartbeat", "{\"ack\":5}").path("code").asInt()).isEqualTo(ErrorCode.PARAMETER_ERROR);
        assertThat(a.call("h1", "heartbeat", "{\"ack\":0}").path("code").asInt()).isZero();
        JsonNode login = login(a, "ack", "alice").path("data");
        long newest = a.push(Messages.ROOM_ONLINE_USER_COUNT_UPDATE).path("seq").asLong();
        for (long bad : List.of(-1L, newest + 1, 1_000_000L)) {
            JsonNode r = a.call("b" + bad, "heartbeat", "{\"ack\":" + bad + "}");
            assertThat(r.path("code").asInt()).as(r.toString()).isEqualTo(ErrorCode.PARAMETER_ERROR);
            assertThat(r.path("message").asText()).contains("ack");
        }
        assertThat(a.call("ok", "heartbeat", "{\"ack\":" + (newest - 1) + "}").path("code").asInt()).isZero();
        // The refused acks let nothing go: a resume from newest - 1 still gets the newest push again.
        a.ws().abort();
        org.awaitility.Awaitility.await().until(() -> !a.ws().isOpen());
        RawClient back = raw();
        JsonNode ok = back.call("r", "resumeSession", "{\"appID\":" + TestServer.APP + ",\"roomID\":\"ack\",\"userID\":\"alice\","
                + "\"sessionID\":\"" + login.path("sessionID").asText() + "\",\"resumeToken\":\""
                + login.path("resumeToken").asText() + "\",\"lastSeq\":" + (newest - 1) + "}");
        assertThat(ok.path("code").asInt()).as(ok.toString()).isZero();
        assertThat(ok.path("data").path("replayed").asInt()).isEqualTo(1);
        assertThat(back.next(n -> n.has("push")).path("seq").asLong()).isEqualTo(newest);
    }

    @Test
    void aSecondResumeOfAMultiRoomSessionKicksTheOldConnectionOncePerRoomSayingWhy() {
        RawClient a = raw();
        JsonNode first = multiLogin(a, "rk-1", "alice", 3600).path("data");
        multiLogin(a, "rk-2", "alice", 3600);
        // The server has not noticed any drop: the old connection is still open when the resume comes.
        RawClient b = raw();
        JsonNode ok = b.call("r", "resumeSession", "{\"appID\":" + MULTI_APP + ",\"roomID\":\"rk-2\",\"userID\":\"alice\","
                + "\"sessionID\":\"" + first.path("sessionID").asText() + "\",\"resumeToken\":\""
                + first.path("resumeToken").asText() + "\",\"lastSeq\":0}");
        assertThat(ok.path("code").asInt()).as(ok.toString()).isZero();
        assertThat(ok.path("data").path("roomIDs")).extracting(JsonNode::asText).containsExactly("rk-2", "rk-1");
        List<String> kickedFrom = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            JsonNode kick = a.next(n -> "KICKOUT".equals(n.path("data").path("reason").asText()));
            assertThat(kick.path("data").path("errorCode").asInt()).isEqualTo(ErrorCode.KICKED_MULTIPLE_LOGIN);
            assertThat(kick.path("data").path("extendedData").asText()).contains("\"kickout_reason\":\"resumed_elsewhere\"");
            kickedFrom.add(kick.path("data").path("roomID").asText());
        }
        assertThat(kickedFrom).containsExactlyInAnyOrder("rk-1", "rk-2");
        assertThat(a.awaitClosed().status()).isEqualTo(1000);
        // The session goes on, in both rooms, on the new connection.
        assertThat(b.call("p", "startPublishing", "{\"roomID\":\"rk-1\",\"streamID\":\"alice-mic\"}").path("code").asInt())
                .isZero();
    }

    @Test
    void aPlayerOfAMutedStreamHearsMuteRightAfterPlayRequesting() {
        RawClient host = raw();
        login(host, "mute-order", "host");
        assertThat(host.call("p", "startPublishing", "{\"streamID\":\"host-mic\"}").path("code").asInt()).isZero();
        assertThat(host.call("m", "mutePublishStreamAudio", "{\"streamID\":\"host-mic\",\"mute\":true}").path("code").asInt())
                .isZero();
        RawClient p = raw();
        login(p, "mute-order", "player");
        long seq = p.push(Messages.ROOM_ONLINE_USER_COUNT_UPDATE).path("seq").asLong();
        JsonNode play = p.call("pl", "startPlaying", "{\"streamID\":\"host-mic\",\"transport\":\"flv\"}");
        assertThat(play.path("code").asInt()).as(play.toString()).isZero();
        JsonNode requesting = p.next(n -> n.path("seq").asLong() == seq + 1);
        assertThat(requesting.path("push").asText()).isEqualTo(Messages.PLAYER_STATE_UPDATE);
        assertThat(requesting.path("data").path("state").asText()).isEqualTo("PLAY_REQUESTING");
        JsonNode mute = p.next(n -> n.path("seq").asLong() == seq + 2);
        assertThat(mute.path("push").asText()).isEqualTo(Messages.REMOTE_MIC_STATUS_UPDATE);
        assertThat(mute.path("data").path("status").asText()).isEqualTo("MUTE");
        assertThat(mute.path("data").path("streamID").asText()).isEqualTo("host-mic");
        assertThat(mute.path("data").path("roomID").asText()).isEqualTo("mute-order");
    }

    @Test
    void commandsToOneUserMeetTheConnectionsRequestLimitBeforeTheirOwn() {
        RawClient a = raw();
        login(a, "one", "alice");
        RawClient b = raw();
        login(b, "one", "bob");
        // 250 at once to one user: the room would take 200 a second, the connection takes a burst of 200, then 50 a second.
        for (int i = 0; i < 250; i++) {
            a.send("{\"id\":\"c" + i + "\",\"type\":\"sendCustomCommand\",\"data\":{\"command\":\"x\",\"toUserIDs\":[\"bob\"]}}");
        }
        int ok = 0;
        int slowDown = 0;
        for (int i = 0; i < 250; i++) {
            JsonNode r = a.response("c" + i);
            int code = r.path("code").asInt();
            assertThat(code).as(r.toString()).isIn(0, ErrorCode.REQUEST_RATE_LIMITED);
            ok += code == 0 ? 1 : 0;
            slowDown += code == ErrorCode.REQUEST_RATE_LIMITED ? 1 : 0;
        }
        assertThat(slowDown).isPositive();
        assertThat(ok).isGreaterThanOrEqualTo(199);
        assertThat(a.ws().isOpen()).isTrue();
    }
}
