package io.parley.server.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.media.SdpNegotiator;
import io.parley.protocol.media.SessionDescription;
import io.parley.server.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** parley.js in headless Chromium against the real server: the room model, no media needed. */
class BrowserSignallingTest {
    private static final Duration DEADLINE = Duration.ofSeconds(15);
    private static BrowserRig rig;

    @BeforeAll
    static void start() throws Exception {
        rig = BrowserRig.startIfAvailable("signalling");
    }

    @BeforeEach
    void requireBrowser() {
        BrowserRig.assumeStarted(rig);
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
    void twoPagesSeeEachOtherAndTheirStreams() {
        Page a = rig.open("A");
        Page b = rig.open("B");

        assertThat(a.eval(login("sig-room", "alice")).asBoolean()).isTrue();
        await().atMost(DEADLINE).until(() -> reasons(a).contains("LOGINED"));
        assertThat(reasons(a)).containsExactly("LOGINING", "LOGINED");

        assertThat(b.eval(login("sig-room", "bob")).asBoolean()).isTrue();
        // Both directions of roomUserUpdate: B learns of A at login, A is told B arrived.
        await().atMost(DEADLINE).until(() -> userUpdates(a).contains("ADD:bob"));
        await().atMost(DEADLINE).until(() -> userUpdates(b).contains("ADD:alice"));
        JsonNode bobSeenByA = a.eval("rig.eventsOf('roomUserUpdate')[0]");
        assertThat(bobSeenByA.get(0).asText()).isEqualTo("sig-room");
        assertThat(bobSeenByA.get(2).get(0).get("userName").asText()).isEqualTo("name-bob");

        // A publishes its fake microphone: B gets roomStreamUpdate ADD with the extraInfo.
        JsonNode published = a.eval("rig.call(() => rig.publish('alice-mic', 'hello'))");
        assertThat(published.path("ok").asBoolean()).as("startPublishingStream: %s\n%s", published, a.consoleText()).isTrue();
        await().atMost(DEADLINE).until(() -> streamUpdates(b).contains("ADD:alice-mic"));
        JsonNode add = b.eval("rig.eventsOf('roomStreamUpdate')[0]");
        assertThat(add.get(2).get(0).path("user").path("userID").asText()).isEqualTo("alice");
        assertThat(add.get(2).get(0).path("extraInfo").asText()).isEqualTo("hello");

        // The offer parley.js sent is one the server's negotiator accepts for publishing.
        JsonNode request = a.eval("rig.sentOf('startPublishing')[0]");
        assertThat(request.path("data").path("streamID").asText()).isEqualTo("alice-mic");
        String sdp = request.path("data").path("sdp").asText();
        SdpNegotiator.Result result = SdpNegotiator.negotiate(SessionDescription.parse(sdp), SdpNegotiator.Purpose.PUBLISH);
        assertThat(result).as("offer:\n%s", sdp).isInstanceOf(SdpNegotiator.Accepted.class);
        assertThat(((SdpNegotiator.Accepted) result).offerDirection().token()).isEqualTo("sendonly");

        // A second publisher of the same streamID is refused: the promise rejects with {code, message}.
        JsonNode refused = b.eval("rig.call(() => rig.publish('alice-mic'))");
        assertThat(refused.path("error").path("code").asInt()).as("%s", refused).isEqualTo(ErrorCode.STREAM_ID_DUPLICATE);
        assertThat(refused.path("error").path("message").asText()).contains("alice-mic");

        // B leaves: A sees the user go.
        b.eval("rig.zg.logoutRoom('sig-room')");
        await().atMost(DEADLINE).until(() -> userUpdates(a).contains("DELETE:bob"));
        assertThat(reasons(b)).endsWith("LOGOUT");

        // A stops: nobody is left to be told, but the server accepts it and the session stays usable.
        assertThat(a.eval("rig.zg.stopPublishingStream('alice-mic')").asBoolean()).isTrue();
        a.eval("rig.zg.logoutRoom()");
        assertThat(reasons(a)).endsWith("LOGOUT");
    }

    @Test
    void aBadTokenResolvesFalseAndReportsLoginFailedOnce() {
        Page c = rig.open("C");
        boolean ok = c.eval("rig.login(" + rig.appId() + ", '" + rig.wsUrl() + "', 'sig-room-2', 'carol', 'not-a-token')")
                .asBoolean(true);
        assertThat(ok).isFalse();
        List<JsonNode> states = list(c.eval("rig.eventsOf('roomStateChanged')"));
        assertThat(states).hasSize(2);
        assertThat(states.get(0).get(1).asText()).isEqualTo("LOGINING");
        assertThat(states.get(1).get(1).asText()).isEqualTo("LOGIN_FAILED");
        assertThat(states.get(1).get(2).asInt()).isEqualTo(ErrorCode.TOKEN_INVALID);

        // The same engine can log in afterwards with a good token.
        String token = TestServer.token("carol");
        assertThat(c.eval("rig.zg.loginRoom('sig-room-2', '" + token + "', {userID: 'carol'})").asBoolean()).isTrue();
        // Not logged-in operations reject with {code, message} instead of throwing synchronously.
        c.eval("rig.zg.logoutRoom()");
        JsonNode notIn = c.eval("rig.call(() => rig.zg.startPlayingStream('nobody-mic'))");
        assertThat(notIn.path("error").path("code").asInt()).isEqualTo(ErrorCode.NOT_LOGGED_IN);
    }

    @Test
    void heartbeatsFollowTheIntervalTheServerGives() {
        Page d = rig.open("D");
        assertThat(d.eval(login("sig-room-3", "dave")).asBoolean()).isTrue();
        // The test server says 30 s; parley.js must have scheduled its heartbeat with that interval.
        JsonNode login = d.eval("rig.sentOf('loginRoom')[0]");
        assertThat(login.path("data").path("appID").asLong()).isEqualTo(rig.appId());
        assertThat(d.eval("rig.zg._heartbeat !== null").asBoolean()).isTrue();
        d.eval("rig.zg.logoutRoom()");
        assertThat(d.eval("rig.zg._heartbeat === null").asBoolean()).isTrue();
    }

    private static List<String> reasons(Page p) {
        List<String> out = new ArrayList<>();
        p.eval("rig.eventsOf('roomStateChanged')").forEach(args -> out.add(args.get(1).asText()));
        return out;
    }

    private static List<String> userUpdates(Page p) {
        List<String> out = new ArrayList<>();
        p.eval("rig.eventsOf('roomUserUpdate')").forEach(args ->
                args.get(2).forEach(u -> out.add(args.get(1).asText() + ":" + u.get("userID").asText())));
        return out;
    }

    static List<String> streamUpdates(Page p) {
        List<String> out = new ArrayList<>();
        p.eval("rig.eventsOf('roomStreamUpdate')").forEach(args ->
                args.get(2).forEach(s -> out.add(args.get(1).asText() + ":" + s.get("streamID").asText())));
        return out;
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
