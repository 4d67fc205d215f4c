package io.parley.server.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.ErrorCode;
import io.parley.server.TestServer;
import io.parley.server.config.AppConfig;
import io.parley.server.config.ParleyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** parley.js in headless Chromium: one page in two rooms (enableMultiRoom), each room's peers seeing only their room. */
class BrowserMultiRoomTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static BrowserRig rig;

    @BeforeAll
    static void start() throws Exception {
        ParleyConfig base = TestServer.config();
        List<AppConfig> apps = new ArrayList<>();
        for (AppConfig a : base.apps()) {
            apps.add(a.appId() == TestServer.APP ? a.withMultiRoom(true) : a);
        }
        rig = BrowserRig.startIfAvailable("multiroom", base.withApps(apps));
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

    private static List<String> users(Page p, String room) {
        List<String> out = new ArrayList<>();
        p.eval("rig.eventsOf('roomUserUpdate')").forEach(args -> {
            if (args.get(0).asText().equals(room)) {
                args.get(2).forEach(u -> out.add(args.get(1).asText() + ":" + u.get("userID").asText()));
            }
        });
        return out;
    }

    @Test
    void onePageInTwoRooms() {
        Page b = rig.open("MB");
        Page c = rig.open("MC");
        Page a = rig.open("MA");
        assertThat(b.eval(login("mr-1", "bob")).asBoolean()).isTrue();
        assertThat(c.eval(login("mr-2", "carol")).asBoolean()).isTrue();
        a.eval("rig.engine(" + rig.appId() + ", '" + rig.wsUrl() + "')");
        assertThat(a.eval("rig.zg.enableMultiRoom(true)").asBoolean()).isTrue();
        String user = "{userID: 'alice', userName: 'name-alice'}";
        String token = TestServer.token("alice");
        assertThat(a.eval("rig.zg.loginRoom('mr-1', '" + token + "', " + user + ", {userUpdate: true})").asBoolean()).isTrue();
        assertThat(a.eval("rig.zg.loginRoom('mr-2', '" + token + "', " + user + ", {userUpdate: true})").asBoolean()).isTrue();
        await().atMost(DEADLINE).until(() -> users(a, "mr-1").contains("ADD:bob") && users(a, "mr-2").contains("ADD:carol"));
        await().atMost(DEADLINE).until(() -> users(b, "mr-1").contains("ADD:alice") && users(c, "mr-2").contains("ADD:alice"));
        JsonNode logined = a.eval("rig.eventsOf('roomStateChanged').filter(e => e[1] === 'LOGINED').map(e => e[0])");
        assertThat(logined.toString()).contains("mr-1").contains("mr-2");

        // A stream in mr-2 and a message to mr-1: each reaches its room only.
        JsonNode published = a.eval("rig.call(async () => { rig.local = await rig.zg.createStream(); "
                + "return rig.zg.startPublishingStream('alice-2', rig.local, {roomID: 'mr-2'}); })");
        assertThat(published.path("ok").asBoolean()).as("%s\n%s", published, a.consoleText()).isTrue();
        await().atMost(DEADLINE).until(() -> BrowserSignallingTest.streamUpdates(c).contains("ADD:alice-2"));
        JsonNode sent = a.eval("rig.zg.sendBroadcastMessage('mr-1', 'to room one')");
        assertThat(sent.path("errorCode").asInt()).as("%s", sent).isZero();
        await().atMost(DEADLINE).until(() -> b.eval("rig.eventsOf('IMRecvBroadcastMessage').length").asInt() == 1);
        assertThat(b.eval("rig.eventsOf('IMRecvBroadcastMessage')[0][0]").asText()).isEqualTo("mr-1");
        JsonNode unnamed = a.eval("rig.zg.sendBroadcastMessage(undefined, 'which room?')");
        assertThat(unnamed.path("errorCode").asInt()).isEqualTo(ErrorCode.PARAMETER_ERROR);

        // Leaving mr-2 only: carol sees alice and her stream go, bob sees nothing, alice still talks to mr-1.
        a.eval("rig.zg.logoutRoom('mr-2')");
        await().atMost(DEADLINE).until(() -> users(c, "mr-2").contains("DELETE:alice"));
        await().atMost(DEADLINE).until(() -> BrowserSignallingTest.streamUpdates(c).contains("DELETE:alice-2"));
        assertThat(users(b, "mr-1")).doesNotContain("DELETE:alice");
        // (Under 500 ms after her previous broadcast in mr-1 it is refused with 1009015, nobody gets it: she tries again.)
        await().atMost(DEADLINE).until(() -> a.eval("rig.zg.sendBroadcastMessage('mr-1', 'still here')")
                .path("errorCode").asInt() == 0);
        await().atMost(DEADLINE).until(() -> b.eval("rig.eventsOf('IMRecvBroadcastMessage').length").asInt() == 2);
        a.eval("rig.zg.logoutRoom()");
        await().atMost(DEADLINE).until(() -> users(b, "mr-1").contains("DELETE:alice"));
    }
}
