package io.parley.server.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.ErrorCode;
import io.parley.server.TestServer;
import io.parley.server.api.ApiCaller;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a business server's API calls look like to a browser with parley.js: KickoutUser (KICKOUT 1002055 with the
 * custom reason; the kicked user's streams end with code 4) and DeleteStream (DELETE with code 6).
 */
class BrowserServerApiTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final Duration POLL = Duration.ofMillis(250);
    private static BrowserRig rig;

    @BeforeAll
    static void start() throws Exception {
        rig = BrowserRig.startIfAvailable("server-api");
    }

    @BeforeEach
    void require() {
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

    private static JsonNode ok(JsonNode envelope) {
        assertThat(envelope.path("Code").asInt()).as(envelope.toString()).isZero();
        return envelope;
    }

    @Test
    void kicksAndServerDeletionsReachParleyJsAsTheReferenceSays() throws Exception {
        ApiCaller api = new ApiCaller(rig.server().server().apiPort(), TestServer.APP, TestServer.SECRET);
        Page kicked = rig.open("kicked");
        Page watcher = rig.open("watcher");
        assertThat(kicked.eval(login("api-room", "bob")).asBoolean()).isTrue();
        assertThat(kicked.eval("rig.call(() => rig.publish('bob-mic'))").path("ok").asBoolean()).isTrue();
        assertThat(watcher.eval(login("api-room", "carol")).asBoolean()).isTrue();
        assertThat(watcher.eval("rig.call(() => rig.publishTone('carol-mic', 500))").path("ok").asBoolean()).isTrue();
        await("watcher sees bob-mic").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> BrowserSignallingTest.streamUpdates(watcher).contains("ADD:bob-mic"));

        ok(api.get("KickoutUser", Map.of("RoomId", "api-room", "UserId", List.of("bob"), "CustomReason", "be nice")));
        await("bob: roomStateChanged KICKOUT").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> kicked.isTrue("rig.eventsOf('roomStateChanged').some((e) => e[1] === 'KICKOUT')"));
        JsonNode kick = kicked.eval("rig.eventsOf('roomStateChanged').filter((e) => e[1] === 'KICKOUT')[0]");
        assertThat(kick.get(2).asInt()).isEqualTo(ErrorCode.KICKED_BY_SERVER);
        assertThat(kick.get(3).asText()).contains("custom_kickout_message").contains("be nice");
        await("watcher: bob-mic DELETE, code 4").atMost(DEADLINE).pollInterval(POLL).until(() -> watcher.isTrue(
                "rig.eventsOf('roomStreamUpdate').some((e) => e[1] === 'DELETE' && e[2][0].streamID === 'bob-mic'"
                        + " && e[3].includes('\"code\":4'))"));

        Page third = rig.open("third");
        assertThat(third.eval(login("api-room", "dave")).asBoolean()).isTrue();
        await("dave sees carol-mic").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> BrowserSignallingTest.streamUpdates(third).contains("ADD:carol-mic"));
        ok(api.get("DeleteStream", Map.of("RoomId", "api-room", "UserId", "carol", "StreamId", "carol-mic")));
        await("dave: carol-mic DELETE, code 6").atMost(DEADLINE).pollInterval(POLL).until(() -> third.isTrue(
                "rig.eventsOf('roomStreamUpdate').some((e) => e[1] === 'DELETE' && e[2][0].streamID === 'carol-mic'"
                        + " && e[3].includes('\"code\":6'))"));
        await("carol: NO_PUBLISH for her deleted stream").atMost(DEADLINE).pollInterval(POLL).until(() -> watcher.isTrue(
                "rig.eventsOf('publisherStateUpdate').some((e) => e[0].streamID === 'carol-mic' && e[0].state === 'NO_PUBLISH')"));
    }
}
