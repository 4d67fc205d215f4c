package io.parley.server.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.ErrorCode;
import io.parley.server.TestServer;
import io.parley.server.auth.JwtTokens;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * parley.js in headless Chromium against the real server: token renewal, room and stream extra info, the three kinds of
 * messages, the online count and a publisher's microphone mute, as a ZEGO Express Web app would use them.
 */
class BrowserRoomFeaturesTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static BrowserRig rig;

    @BeforeAll
    static void start() throws Exception {
        rig = BrowserRig.startIfAvailable("roomfeatures");
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

    private static String login(String room, String user, String token) {
        return "rig.login(" + rig.appId() + ", '" + rig.wsUrl() + "', '" + room + "', '" + user + "', '" + token + "')";
    }

    private static int count(Page p, String event) {
        return p.eval("rig.eventsOf('" + event + "').length").asInt();
    }

    @Test
    void extraInfoMessagesCountAndTokenRenewalBetweenTwoPages() {
        Page a = rig.open("FA");
        Page b = rig.open("FB");
        // Alice's token expires within the server's tokenWillExpire lead (30 s): she is warned at once.
        Instant soon = Instant.ofEpochSecond(Instant.now().getEpochSecond() + 20);
        String shortToken = JwtTokens.mint(TestServer.APP, "alice", TestServer.SECRET.getBytes(StandardCharsets.UTF_8),
                Instant.now().minusSeconds(5), soon, null, true, true, null);
        assertThat(a.eval(login("feat-room", "alice", shortToken)).asBoolean()).isTrue();
        await().atMost(DEADLINE).until(() -> count(a, "tokenWillExpire") == 1);
        JsonNode warn = a.eval("rig.eventsOf('tokenWillExpire')[0]");
        assertThat(warn.get(0).asText()).isEqualTo("feat-room");
        assertThat(warn.get(1).asLong()).isBetween(1L, 20L);
        JsonNode renewed = a.eval("rig.zg.renewToken('" + TestServer.token("alice") + "')");
        assertThat(renewed.path("errorCode").asInt()).as("%s", renewed).isZero();
        assertThat(renewed.path("tokenExpireTime").asLong()).isGreaterThan(soon.getEpochSecond());
        JsonNode foreign = a.eval("rig.zg.renewToken('" + TestServer.token("mallory") + "')");
        assertThat(foreign.path("errorCode").asInt()).isEqualTo(ErrorCode.TOKEN_INVALID);

        // The online count comes with the login.
        await().atMost(DEADLINE).until(() -> count(a, "roomOnlineUserCountUpdate") >= 1);
        assertThat(a.eval("rig.eventsOf('roomOnlineUserCountUpdate')[0]").get(1).asInt()).isEqualTo(1);

        // Room extra info set before Bob arrives is synced to him at login.
        JsonNode set = a.eval("rig.zg.setRoomExtraInfo('feat-room', 'topic', 'music')");
        assertThat(set.path("errorCode").asInt()).as("%s", set).isZero();
        assertThat(b.eval(login("feat-room", "bob", TestServer.token("bob"))).asBoolean()).isTrue();
        await().atMost(DEADLINE).until(() -> count(b, "roomExtraInfoUpdate") == 1);
        JsonNode info = b.eval("rig.eventsOf('roomExtraInfoUpdate')[0]");
        assertThat(info.get(0).asText()).isEqualTo("feat-room");
        assertThat(info.get(1).get(0).path("value").asText()).isEqualTo("music");
        assertThat(info.get(1).get(0).path("updateUser").path("userID").asText()).isEqualTo("alice");
        assertThat(b.eval("rig.eventsOf('roomOnlineUserCountUpdate')[0][1]").asInt()).isEqualTo(2);
        JsonNode tooMany = b.eval("rig.zg.setRoomExtraInfo('feat-room', 'other', 'x')");
        assertThat(tooMany.path("errorCode").asInt()).isEqualTo(ErrorCode.ROOM_EXTRA_INFO_TOO_MANY_KEYS);

        // Broadcast (integer ID), barrage (string ID), custom command: to the other page only.
        JsonNode sent = a.eval("rig.zg.sendBroadcastMessage('feat-room', 'hello from the browser')");
        assertThat(sent.path("errorCode").asInt()).isZero();
        assertThat(sent.path("messageID").isIntegralNumber()).isTrue();
        await().atMost(DEADLINE).until(() -> count(b, "IMRecvBroadcastMessage") == 1);
        JsonNode msg = b.eval("rig.eventsOf('IMRecvBroadcastMessage')[0][1][0]");
        assertThat(msg.path("message").asText()).isEqualTo("hello from the browser");
        assertThat(msg.path("messageID").asLong()).isEqualTo(sent.path("messageID").asLong());
        assertThat(msg.path("fromUser").path("userID").asText()).isEqualTo("alice");
        JsonNode barrage = b.eval("rig.zg.sendBarrageMessage('feat-room', '666')");
        assertThat(barrage.path("messageID").isTextual()).isTrue();
        await().atMost(DEADLINE).until(() -> count(a, "IMRecvBarrageMessage") == 1);
        JsonNode cmd = a.eval("rig.zg.sendCustomCommand('feat-room', 'raise-hand', ['bob', 'ghost'])");
        assertThat(cmd.path("failUserList").get(0).path("userID").asText()).isEqualTo("ghost");
        await().atMost(DEADLINE).until(() -> count(b, "IMRecvCustomCommand") == 1);
        JsonNode got = b.eval("rig.eventsOf('IMRecvCustomCommand')[0]");
        assertThat(got.get(1).path("userID").asText()).isEqualTo("alice");
        assertThat(got.get(2).asText()).isEqualTo("raise-hand");
        JsonNode empty = a.eval("rig.zg.sendBroadcastMessage('feat-room', '')");
        assertThat(empty.path("errorCode").asInt()).isEqualTo(ErrorCode.MESSAGE_EMPTY);
        assertThat(count(a, "IMRecvBroadcastMessage")).isZero();
        assertThat(count(a, "IMRecvCustomCommand")).isZero();
        assertThat(count(b, "IMRecvBarrageMessage")).isZero();

        // Alice publishes her microphone, Bob plays it; her mute reaches him, her stream extraInfo too.
        JsonNode published = a.eval("rig.call(() => rig.publish('alice-mic', 'seat-1'))");
        assertThat(published.path("ok").asBoolean()).as("%s\n%s", published, a.consoleText()).isTrue();
        await().atMost(DEADLINE).until(() -> BrowserSignallingTest.streamUpdates(b).contains("ADD:alice-mic"));
        JsonNode played = b.eval("rig.call(() => rig.play('alice-mic'))");
        assertThat(played.path("ok").asInt()).as("%s\n%s", played, b.consoleText()).isEqualTo(1);
        assertThat(a.eval("rig.zg.mutePublishStreamAudio(rig.local, true)").asBoolean()).isTrue();
        assertThat(a.eval("rig.local.getAudioTracks()[0].enabled").asBoolean()).isFalse();
        await().atMost(DEADLINE).until(() -> count(b, "remoteMicStatusUpdate") == 1);
        JsonNode mic = b.eval("rig.eventsOf('remoteMicStatusUpdate')[0]");
        assertThat(mic.get(0).asText()).isEqualTo("alice-mic");
        assertThat(mic.get(1).asText()).isEqualTo("MUTE");
        assertThat(a.eval("rig.zg.mutePublishStreamAudio(rig.local, false)").asBoolean()).isTrue();
        await().atMost(DEADLINE).until(() -> count(b, "remoteMicStatusUpdate") == 2);
        assertThat(b.eval("rig.eventsOf('remoteMicStatusUpdate')[1][1]").asText()).isEqualTo("OPEN");

        JsonNode extra = a.eval("rig.zg.setStreamExtraInfo('alice-mic', 'seat-2')");
        assertThat(extra.path("errorCode").asInt()).isZero();
        await().atMost(DEADLINE).until(() -> count(b, "streamExtraInfoUpdate") == 1);
        JsonNode streams = b.eval("rig.eventsOf('streamExtraInfoUpdate')[0]");
        assertThat(streams.get(1).get(0).path("extraInfo").asText()).isEqualTo("seat-2");

        b.eval("rig.zg.logoutRoom()");
        a.eval("rig.zg.logoutRoom()");
        JsonNode after = a.eval("rig.zg.sendBroadcastMessage('feat-room', 'late')");
        assertThat(after.path("errorCode").asInt()).isEqualTo(ErrorCode.NOT_LOGGED_IN);
    }
}
