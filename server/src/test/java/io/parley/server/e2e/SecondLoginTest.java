package io.parley.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.Messages;
import io.parley.server.RawClient;
import io.parley.server.TestServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PROTOCOL.md, loginRoom: a second login of a userID. On a new connection the later login wins (the earlier session
 * is kicked with 1002050); on the connection that is logged in already it is refused (1002001, or 1102012 while the
 * first is on its way) and changes nothing. Raw JSON over real WebSockets.
 */
class SecondLoginTest {
    private TestServer server;
    private final List<RawClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start();
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

    private static String loginRequest(String id, String user, String room) {
        return "{\"id\":\"" + id + "\",\"type\":\"loginRoom\",\"data\":" + ResumeProtocolTest.login(user, room) + "}";
    }

    private static JsonNode userUpdate(RawClient c, String type, String user) {
        return c.next(n -> Messages.ROOM_USER_UPDATE.equals(n.path("push").asText())
                && type.equals(n.path("data").path("updateType").asText())
                && n.path("data").path("userList").toString().contains("\"" + user + "\""));
    }

    @Test
    void theSameUserOnANewConnectionWinsAndTheLiveSessionIsKickedWith1002050() {
        RawClient watcher = raw();
        assertThat(watcher.call("1", "loginRoom", ResumeProtocolTest.login("watcher", "r")).path("code").asInt()).isZero();
        RawClient first = raw();
        assertThat(first.call("1", "loginRoom", ResumeProtocolTest.login("alice", "r")).path("code").asInt()).isZero();
        assertThat(first.call("2", "startPublishing", "{\"streamID\":\"alice-mic\"}").path("code").asInt()).isZero();
        userUpdate(watcher, "ADD", "alice");

        RawClient second = raw();
        JsonNode again = second.call("1", "loginRoom", ResumeProtocolTest.login("alice", "r"));
        assertThat(again.path("code").asInt()).as(again.toString()).isZero();
        assertThat(again.path("data").path("roomID").asText()).isEqualTo("r");

        JsonNode kick = first.next(n -> Messages.ROOM_STATE_CHANGED.equals(n.path("push").asText())
                && "KICKOUT".equals(n.path("data").path("reason").asText()));
        assertThat(kick.path("data").path("roomID").asText()).isEqualTo("r");
        assertThat(kick.path("data").path("errorCode").asInt()).isEqualTo(ErrorCode.KICKED_MULTIPLE_LOGIN);
        assertThat(first.awaitClosed().status()).isEqualTo(1000);
        // Peers: alice's stream goes with reason 3 (repeat login), alice leaves and comes back.
        JsonNode gone = watcher.next(n -> Messages.ROOM_STREAM_UPDATE.equals(n.path("push").asText())
                && "DELETE".equals(n.path("data").path("updateType").asText()));
        assertThat(gone.path("data").path("extendedData").asText()).contains("\"code\":3");
        userUpdate(watcher, "DELETE", "alice");
        userUpdate(watcher, "ADD", "alice");
        assertThat(server.server().rooms().snapshot(TestServer.APP, "r").join().userIds())
                .containsExactlyInAnyOrder("watcher", "alice");
    }

    @Test
    void aSecondLoginOnTheLoggedInConnectionIsRefusedWith1002001AndChangesNothing() {
        RawClient watcher = raw();
        assertThat(watcher.call("1", "loginRoom", ResumeProtocolTest.login("watcher", "r")).path("code").asInt()).isZero();
        RawClient a = raw();
        assertThat(a.call("1", "loginRoom", ResumeProtocolTest.login("alice", "r")).path("code").asInt()).isZero();
        a.push(Messages.ROOM_ONLINE_USER_COUNT_UPDATE); // the end of its login sequence
        userUpdate(watcher, "ADD", "alice");
        for (String room : List.of("r", "r2")) {
            JsonNode r = a.call("again-" + room, "loginRoom", ResumeProtocolTest.login("alice", room));
            assertThat(r.path("code").asInt()).as(r.toString()).isEqualTo(ErrorCode.ALREADY_IN_ROOM);
            assertThat(r.path("message").asText()).contains("logoutRoom first");
            // No LOGIN_FAILED (its room is fine): the next thing alice gets is the answer to her next request.
            a.send("{\"id\":\"hb-" + room + "\",\"type\":\"heartbeat\",\"data\":{}}");
            JsonNode next = a.next(n -> ("hb-" + room).equals(n.path("id").asText())
                    || "LOGIN_FAILED".equals(n.path("data").path("reason").asText()));
            assertThat(next.path("id").asText()).as(next.toString()).isEqualTo("hb-" + room);
        }
        assertThat(a.call("p", "startPublishing", "{\"streamID\":\"alice-mic\"}").path("code").asInt()).isZero();
        JsonNode add = watcher.next(n -> Messages.ROOM_STREAM_UPDATE.equals(n.path("push").asText()));
        assertThat(add.path("data").path("updateType").asText()).isEqualTo("ADD");
        assertThat(server.server().rooms().snapshot(TestServer.APP, "r").join().userIds())
                .containsExactlyInAnyOrder("watcher", "alice");
        assertThat(server.server().rooms().snapshot(TestServer.APP, "r2").join().userIds()).isEmpty();
    }

    @Test
    void twoLoginsSentAtOnceOnOneConnectionMakeOneSession() {
        RawClient a = raw();
        a.send(loginRequest("1", "alice", "r"));
        a.send(loginRequest("2", "alice", "r"));
        assertThat(a.response("1").path("code").asInt()).isZero();
        // 1102012 while the first is on its way, 1002001 once it is in: never a second session, never a kick.
        assertThat(a.response("2").path("code").asInt()).isIn(ErrorCode.LOGIN_IN_PROGRESS, ErrorCode.ALREADY_IN_ROOM);
        assertThat(a.call("3", "heartbeat", "{}").path("code").asInt()).isZero();
        assertThat(a.ws().isOpen()).isTrue();
        assertThat(server.server().rooms().snapshot(TestServer.APP, "r").join().userIds()).containsExactly("alice");
    }
}
