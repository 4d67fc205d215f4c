package io.parley.server.e2e;

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
import io.parley.server.RawClient;
import io.parley.server.TestServer;
import io.parley.server.config.ParleyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** resumeSession on the wire: credentials, seq numbers and replay, the codes that send a client to log in again. */
class ResumeProtocolTest {
    private TestServer server;
    private final List<AutoCloseable> closeMe = new ArrayList<>();

    private void start(ParleyConfig.Session session) throws Exception {
        server = TestServer.start(TestServer.config().withSession(session));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeMe) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private RawClient raw() {
        RawClient r = server.raw();
        closeMe.add(r);
        return r;
    }

    private ParleyEngine engine() {
        ParleyEngine e = server.engine();
        closeMe.add(e);
        return e;
    }

    static String login(String user, String room) {
        return "{\"appID\":" + TestServer.APP + ",\"roomID\":\"" + room + "\",\"token\":\"" + token(user)
                + "\",\"user\":{\"userID\":\"" + user + "\"},\"config\":{\"userUpdate\":true}}";
    }

    static String resume(long app, String room, String user, String sessionId, String resumeToken, long lastSeq) {
        return "{\"appID\":" + app + ",\"roomID\":\"" + room + "\",\"userID\":\"" + user + "\",\"sessionID\":\""
                + sessionId + "\"" + (resumeToken == null ? "" : ",\"resumeToken\":\"" + resumeToken + "\"")
                + ",\"lastSeq\":" + lastSeq + "}";
    }

    /** The highest push seq this raw client has read so far, counting pushes it reads until {@code push} arrives. */
    private static long lastSeqAfter(RawClient c, String push, String contains) {
        JsonNode n = c.next(j -> push.equals(j.path("push").asText()) && j.toString().contains(contains));
        return n.path("seq").asLong();
    }

    @Test
    void theCredentialOpensItsOwnSessionAndNoOther() throws Exception {
        start(new ParleyConfig.Session(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        ParleyEngine watcher = engine();
        Pushes pw = Pushes.on(watcher);
        watcher.loginRoom("r", token("watcher"), user("watcher"), withUserUpdates()).get();
        RawClient a = raw();
        JsonNode la = a.call("1", "loginRoom", login("alice", "r")).path("data");
        String sid = la.path("sessionID").asText();
        String cred = la.path("resumeToken").asText();
        assertThat(cred).hasSize(43).matches("[A-Za-z0-9_-]+");
        RawClient b = raw();
        JsonNode lb = b.call("1", "loginRoom", login("bob", "r")).path("data");
        assertThat(lb.path("resumeToken").asText()).isNotEqualTo(cred);
        long seq = lastSeqAfter(a, Messages.ROOM_USER_UPDATE, "bob");
        assertThat(seq).isPositive();
        // A logged-in connection cannot resume anything.
        assertThat(a.call("2", "resumeSession", resume(TestServer.APP, "r", "alice", sid, cred, seq)).path("code").asInt())
                .isEqualTo(ErrorCode.ALREADY_IN_ROOM);
        a.ws().abort();
        await().until(() -> !a.ws().isOpen());

        record Try(String what, String data, int code) {}
        String otherCred = lb.path("resumeToken").asText();
        List<Try> refused = List.of(
                new Try("another session's credential", resume(TestServer.APP, "r", "alice", sid, otherCred, seq), ErrorCode.TOKEN_INVALID),
                new Try("a made-up credential", resume(TestServer.APP, "r", "alice", sid, "A".repeat(43), seq), ErrorCode.TOKEN_INVALID),
                new Try("another room", resume(TestServer.APP, "r2", "alice", sid, cred, seq), ErrorCode.TOKEN_INVALID),
                // alice's credential names alice's session only: with bob's userID or session, or in another App, it
                // is refused as not matching (1102016), not as "ended" (which would say whether that session exists).
                new Try("another user", resume(TestServer.APP, "r", "bob", sid, cred, seq), ErrorCode.TOKEN_INVALID),
                new Try("another user's session", resume(TestServer.APP, "r", "bob", lb.path("sessionID").asText(), cred, seq), ErrorCode.TOKEN_INVALID),
                new Try("another session", resume(TestServer.APP, "r", "alice", lb.path("sessionID").asText(), cred, seq), ErrorCode.TOKEN_INVALID),
                new Try("another App", resume(TestServer.OTHER_APP, "r", "alice", sid, cred, seq), ErrorCode.TOKEN_INVALID),
                new Try("no credential", resume(TestServer.APP, "r", "alice", sid, null, seq), ErrorCode.PARAMETER_ERROR),
                new Try("a seq never sent", resume(TestServer.APP, "r", "alice", sid, cred, seq + 1000), ErrorCode.PARAMETER_ERROR),
                new Try("a negative seq", resume(TestServer.APP, "r", "alice", sid, cred, -1), ErrorCode.PARAMETER_ERROR));
        for (Try t : refused) {
            RawClient c = raw();
            JsonNode r = c.call("1", "resumeSession", t.data);
            assertThat(r.path("code").asInt()).as(t.what + ": " + r).isEqualTo(t.code);
            assertThat(r.path("message").asText()).as(t.what).isNotBlank();
            assertThat(r.path("type").asText()).isEqualTo("resumeSession");
            // A refused resume leaves the connection as new: it may still log in (here: as someone else).
            assertThat(c.call("2", "loginRoom", login("x" + refused.indexOf(t), "r")).path("code").asInt()).isZero();
        }
        RawClient back = raw();
        JsonNode ok = back.call("1", "resumeSession", resume(TestServer.APP, "r", "alice", sid, cred, seq));
        assertThat(ok.path("code").asInt()).as(ok.toString()).isZero();
        assertThat(ok.path("data").path("sessionID").asText()).isEqualTo(sid);
        assertThat(ok.path("data").path("roomID").asText()).isEqualTo("r");
        assertThat(back.call("2", "startPublishing", "{\"streamID\":\"alice-mic\"}").path("code").asInt()).isZero();
        pw.await(Messages.ROOM_STREAM_UPDATE, p -> p.streamIds().contains("alice-mic"));
        assertThat(pw.count(Messages.ROOM_USER_UPDATE, p -> p.userIds().contains("alice"))).isEqualTo(1);
    }

    @Test
    void missedPushesAreReplayedWithTheirSeqAfterTheResponseInOrder() throws Exception {
        start(new ParleyConfig.Session(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        RawClient a = raw();
        JsonNode la = a.call("1", "loginRoom", login("alice", "r")).path("data");
        JsonNode logined = a.push(Messages.ROOM_STATE_CHANGED);
        assertThat(logined.path("seq").asLong()).isPositive();
        // The login sequence ends with the room's member count, not numbered (the next one supersedes it).
        JsonNode count = a.push(Messages.ROOM_ONLINE_USER_COUNT_UPDATE);
        assertThat(count.has("seq")).as(count.toString()).isFalse();
        long seq = a.highestSeq();
        assertThat(seq).isEqualTo(logined.path("seq").asLong());
        a.ws().abort();
        await().until(() -> !a.ws().isOpen());
        ParleyEngine bob = engine();
        Pushes pb = Pushes.on(bob);
        bob.loginRoom("r", token("bob"), user("bob"), withUserUpdates()).get();
        bob.startPublishing("bob-1", "").get();
        bob.stopPublishing("bob-1").get();
        await().until(() -> server.server().rooms().snapshot(TestServer.APP, "r").join().streamIds().isEmpty());
        RawClient back = raw();
        back.send("{\"id\":\"r1\",\"type\":\"resumeSession\",\"data\":"
                + resume(TestServer.APP, "r", "alice", la.path("sessionID").asText(), la.path("resumeToken").asText(), seq) + "}");
        // The response comes first, then exactly the three pushes missed, numbered on from the last one seen.
        JsonNode first = back.next(n -> true);
        assertThat(first.path("id").asText()).isEqualTo("r1");
        assertThat(first.path("code").asInt()).isZero();
        assertThat(first.path("data").path("replayed").asInt()).isEqualTo(3);
        assertThat(first.path("data").path("lastSeq").asLong()).isEqualTo(seq + 3);
        List<String> got = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            JsonNode p = back.next(n -> true);
            assertThat(p.path("seq").asLong()).isEqualTo(seq + i);
            got.add(p.path("push").asText() + " " + p.path("data").path("updateType").asText());
        }
        assertThat(got).containsExactly("roomUserUpdate ADD", "roomStreamUpdate ADD", "roomStreamUpdate DELETE");
        // Then the room's count as it is now (alice and bob), fresh rather than replayed.
        JsonNode now = back.next(n -> true);
        assertThat(now.path("push").asText()).isEqualTo(Messages.ROOM_ONLINE_USER_COUNT_UPDATE);
        assertThat(now.has("seq")).isFalse();
        assertThat(now.path("data").path("count").asInt()).isEqualTo(2);
        // Resumed again from an older seq, the server sends from there: the client drops what it has (none lost).
        back.ws().abort();
        await().until(() -> !back.ws().isOpen());
        RawClient again = raw();
        JsonNode r2 = again.call("r2", "resumeSession", resume(TestServer.APP, "r", "alice", la.path("sessionID").asText(),
                la.path("resumeToken").asText(), seq + 1));
        assertThat(r2.path("data").path("replayed").asInt()).isEqualTo(2);
        assertThat(again.next(n -> n.has("push")).path("seq").asLong()).isEqualTo(seq + 2);
        // Quality updates carry no seq, and peers saw nothing of alice's absence.
        assertThat(pb.count(Messages.ROOM_USER_UPDATE, p -> p.userIds().contains("alice"))).isEqualTo(1);
    }

    @Test
    void aSecondResumeWinsAsASecondLoginDoes() throws Exception {
        start(new ParleyConfig.Session(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        ParleyEngine watcher = engine();
        Pushes pw = Pushes.on(watcher);
        watcher.loginRoom("r", token("watcher"), user("watcher"), withUserUpdates()).get();
        RawClient a = raw();
        JsonNode la = a.call("1", "loginRoom", login("alice", "r")).path("data");
        String sid = la.path("sessionID").asText();
        String cred = la.path("resumeToken").asText();
        // The server has not noticed any drop: the first connection is still open when a resume comes.
        RawClient b = raw();
        assertThat(b.call("1", "resumeSession", resume(TestServer.APP, "r", "alice", sid, cred, 0)).path("code").asInt()).isZero();
        JsonNode kick = a.push(Messages.ROOM_STATE_CHANGED);
        while (!kick.path("data").path("reason").asText().equals("KICKOUT")) {
            kick = a.push(Messages.ROOM_STATE_CHANGED);
        }
        assertThat(kick.path("data").path("errorCode").asInt()).isEqualTo(ErrorCode.KICKED_MULTIPLE_LOGIN);
        assertThat(a.awaitClosed().status()).isEqualTo(1000);
        RawClient c = raw();
        assertThat(c.call("1", "resumeSession", resume(TestServer.APP, "r", "alice", sid, cred, 0)).path("code").asInt()).isZero();
        assertThat(b.next(n -> "KICKOUT".equals(n.path("data").path("reason").asText())).path("data").path("errorCode").asInt())
                .isEqualTo(ErrorCode.KICKED_MULTIPLE_LOGIN);
        assertThat(b.awaitClosed().status()).isEqualTo(1000);
        // The displaced connections' ends changed nothing: the session is alive on the last one.
        assertThat(c.call("2", "startPublishing", "{\"streamID\":\"alice-mic\"}").path("code").asInt()).isZero();
        pw.await(Messages.ROOM_STREAM_UPDATE, p -> p.streamIds().contains("alice-mic"));
        assertThat(server.server().rooms().snapshot(TestServer.APP, "r").join().userIds()).containsExactlyInAnyOrder("watcher", "alice");
        assertThat(pw.count(Messages.ROOM_USER_UPDATE, p -> p.userIds().contains("alice"))).isEqualTo(1);
    }

    @Test
    void aGapTheBufferCannotCoverEndsTheSessionWithItsOwnCode() throws Exception {
        start(new ParleyConfig.Session(Duration.ofSeconds(1), Duration.ofSeconds(30), 4));
        ParleyEngine watcher = engine();
        Pushes pw = Pushes.on(watcher);
        watcher.loginRoom("r", token("watcher"), user("watcher"), withUserUpdates()).get();
        RawClient a = raw();
        JsonNode la = a.call("1", "loginRoom", login("alice", "r")).path("data");
        long seq = a.push(Messages.ROOM_USER_UPDATE).path("seq").asLong();
        assertThat(a.call("2", "startPublishing", "{\"streamID\":\"alice-mic\"}").path("code").asInt()).isZero();
        a.ws().abort();
        await().until(() -> !a.ws().isOpen());
        ParleyEngine bob = engine();
        bob.loginRoom("r", token("bob"), user("bob"), withUserUpdates()).get();
        for (int i = 0; i < 5; i++) {
            bob.startPublishing("bob-" + i, "").get();
        }
        pw.await(Messages.ROOM_STREAM_UPDATE, p -> p.streamIds().contains("bob-4"));
        RawClient back = raw();
        JsonNode r = back.call("1", "resumeSession", resume(TestServer.APP, "r", "alice", la.path("sessionID").asText(),
                la.path("resumeToken").asText(), seq));
        assertThat(r.path("code").asInt()).isEqualTo(ErrorCode.RESUME_GAP);
        assertThat(r.path("message").asText()).contains("log in again");
        // Never a silent gap: the session is gone (peers see it leave, stream reason 2) and a fresh login works.
        pw.await(Messages.ROOM_USER_UPDATE, p -> p.type().equals("DELETE") && p.userIds().contains("alice"));
        assertThat(pw.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("DELETE") && p.streamIds().contains("alice-mic"))
                .data().path("extendedData").asText()).contains("\"code\":2");
        assertThat(back.call("2", "loginRoom", login("alice", "r")).path("code").asInt()).isZero();
        await().until(() -> pw.count(Messages.ROOM_USER_UPDATE, p -> p.type().equals("ADD") && p.userIds().contains("alice")) == 2);
    }

    @Test
    void anAcknowledgedPushIsNotKeptForAResume() throws Exception {
        start(new ParleyConfig.Session(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        RawClient a = raw();
        JsonNode la = a.call("1", "loginRoom", login("alice", "r")).path("data");
        long seq = a.push(Messages.ROOM_STATE_CHANGED).path("seq").asLong();
        assertThat(a.call("2", "heartbeat", "{\"ack\":" + seq + "}").path("code").asInt()).isZero();
        a.ws().abort();
        await().until(() -> !a.ws().isOpen());
        // Claiming not to have seen what it acknowledged: the server no longer holds it.
        RawClient back = raw();
        JsonNode r = back.call("1", "resumeSession", resume(TestServer.APP, "r", "alice", la.path("sessionID").asText(),
                la.path("resumeToken").asText(), seq - 1));
        assertThat(r.path("code").asInt()).isEqualTo(ErrorCode.RESUME_GAP);
    }

    @Test
    void aResumeAfterTheHeartbeatTimeoutIsToldToLogInAgain() throws Exception {
        start(new ParleyConfig.Session(Duration.ofMillis(250), Duration.ofSeconds(1)));
        ParleyEngine watcher = engine();
        Pushes pw = Pushes.on(watcher);
        watcher.loginRoom("r", token("watcher"), user("watcher"), withUserUpdates()).get();
        RawClient a = raw();
        JsonNode la = a.call("1", "loginRoom", login("alice", "r")).path("data");
        a.ws().abort();
        pw.await(Messages.ROOM_USER_UPDATE, p -> p.type().equals("DELETE") && p.userIds().contains("alice"));
        RawClient late = raw();
        JsonNode r = late.call("1", "resumeSession", resume(TestServer.APP, "r", "alice", la.path("sessionID").asText(),
                la.path("resumeToken").asText(), 0));
        assertThat(r.path("code").asInt()).isEqualTo(ErrorCode.HEARTBEAT_TIMEOUT);
        assertThat(r.path("message").asText()).contains("log in again");
    }

    @Test
    void aWrongCredentialGetsTheSameAnswerWhetherTheSessionItNamesIsLiveOrNot() throws Exception {
        start(new ParleyConfig.Session(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        RawClient a = raw();
        String sid = a.call("1", "loginRoom", login("alice", "r")).path("data").path("sessionID").asText();
        RawClient b = raw();
        JsonNode lb = b.call("1", "loginRoom", login("bob", "r")).path("data");
        String bobCred = lb.path("resumeToken").asText();
        // bob's own credential presented for alice's live session, for a session number never issued, for a user
        // never seen: one answer, same code and message, so a caller learns nothing about alice.
        List<JsonNode> answers = new ArrayList<>();
        for (String data : List.of(resume(TestServer.APP, "r", "alice", sid, bobCred, 0),
                resume(TestServer.APP, "r", "alice", "999999", bobCred, 0),
                resume(TestServer.APP, "r", "nobody", sid, bobCred, 0))) {
            JsonNode r = raw().call("1", "resumeSession", data);
            assertThat(r.path("code").asInt()).as(r.toString()).isEqualTo(ErrorCode.TOKEN_INVALID);
            answers.add(r);
        }
        assertThat(answers).extracting(r -> r.path("message").asText()).containsOnly(answers.get(0).path("message").asText());
        // The holder of a credential does learn that its own session ended: bob logs out, his credential says so.
        assertThat(b.call("2", "logoutRoom", "{}").path("code").asInt()).isZero();
        JsonNode ended = raw().call("1", "resumeSession", resume(TestServer.APP, "r", "bob", lb.path("sessionID").asText(), bobCred, 0));
        assertThat(ended.path("code").asInt()).as(ended.toString()).isEqualTo(ErrorCode.HEARTBEAT_TIMEOUT);
        // alice's session was untouched by all this.
        assertThat(a.call("2", "heartbeat", "{}").path("code").asInt()).isZero();
        assertThat(server.server().rooms().snapshot(TestServer.APP, "r").join().userIds()).containsExactly("alice");
    }

    @Test
    void onlineCountsWhileAwayTakeNoReplaySpaceAndAResumeGetsTheCurrentCountOnly() throws Exception {
        // A count every 50 ms, four pushes kept: a second away is twenty counts, which would have overflowed the buffer.
        ParleyConfig.RoomFeatures d = ParleyConfig.RoomFeatures.DEFAULTS;
        server = TestServer.start(TestServer.config().withSession(new ParleyConfig.Session(Duration.ofSeconds(1),
                Duration.ofSeconds(30), 4)).withRoom(new ParleyConfig.RoomFeatures(Duration.ofMillis(50),
                d.extraInfoMaxKeyBytes(), d.extraInfoMaxValueBytes(), d.extraInfoMaxKeys(), d.extraInfoSetsPerSecond(),
                d.maxMessageBytes(), d.broadcastPerUserPerSecond(), d.broadcastPerRoomPerSecond(), d.barragePerRoomPerSecond(),
                d.customCommandToOnePerSecond(), d.customCommandToManyPerSecond(), d.maxCommandTargets(),
                d.maxRoomsPerSession())));
        RawClient watcher = raw();
        watcher.call("1", "loginRoom", login("watcher", "r"));
        RawClient a = raw();
        JsonNode la = a.call("1", "loginRoom", login("alice", "r")).path("data");
        a.push(Messages.ROOM_ONLINE_USER_COUNT_UPDATE);
        long seq = a.highestSeq();
        a.ws().abort();
        await().until(() -> !a.ws().isOpen());
        // Ten periodic counts reach the watcher while alice is away (and as many are sent to her session), then bob comes.
        for (int i = 0; i < 10; i++) {
            watcher.push(Messages.ROOM_ONLINE_USER_COUNT_UPDATE);
        }
        RawClient bob = raw();
        bob.call("1", "loginRoom", login("bob", "r"));
        watcher.next(n -> Messages.ROOM_USER_UPDATE.equals(n.path("push").asText()) && n.toString().contains("bob"));
        RawClient back = raw();
        JsonNode r = back.call("r", "resumeSession", resume(TestServer.APP, "r", "alice", la.path("sessionID").asText(),
                la.path("resumeToken").asText(), seq));
        assertThat(r.path("code").asInt()).as(r.toString()).isZero();
        assertThat(r.path("data").path("replayed").asInt()).as("bob's ADD only: no stale count").isEqualTo(1);
        JsonNode add = back.next(n -> n.has("push"));
        assertThat(add.path("push").asText()).isEqualTo(Messages.ROOM_USER_UPDATE);
        assertThat(add.path("seq").asLong()).isEqualTo(seq + 1);
        JsonNode count = back.next(n -> n.has("push"));
        assertThat(count.path("push").asText()).isEqualTo(Messages.ROOM_ONLINE_USER_COUNT_UPDATE);
        assertThat(count.path("data").path("count").asInt()).as("watcher, alice, bob").isEqualTo(3);
        assertThat(count.has("seq")).isFalse();
    }
}
