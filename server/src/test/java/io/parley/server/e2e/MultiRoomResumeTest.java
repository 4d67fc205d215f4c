package io.parley.server.e2e;

import static io.parley.server.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.client.ParleyEngine;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.Messages;
import io.parley.server.CutProxy;
import io.parley.server.Pushes;
import io.parley.server.TestServer;
import io.parley.server.auth.JwtTokens;
import io.parley.server.config.AppConfig;
import io.parley.server.config.ParleyConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Java client in several rooms (multi-room) behind a {@link CutProxy}: a resume takes back every room, and a
 * refused resume (1102001, 1102015) makes it log in again to every room it was in, each room with its own states.
 */
class MultiRoomResumeTest {
    private static final long APP = MultiRoomTest.MULTI_APP;
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Messages.RoomConfig MULTI = new Messages.RoomConfig(true, 0, true);

    private TestServer server;
    private CutProxy proxy;
    private final List<ParleyEngine> engines = new ArrayList<>();

    private void start(ParleyConfig.Session session) throws Exception {
        ParleyConfig base = TestServer.config().withSession(session);
        List<AppConfig> apps = new ArrayList<>(base.apps());
        apps.add(new AppConfig(APP, MultiRoomTest.MULTI_SECRET).withMultiRoom(true));
        server = TestServer.start(base.withApps(apps));
        proxy = new CutProxy(server.server().port());
    }

    @AfterEach
    void stop() {
        engines.forEach(ParleyEngine::close);
        if (proxy != null) {
            proxy.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private ParleyEngine engine(boolean viaProxy) {
        ParleyEngine e = ParleyEngine.create(APP, viaProxy ? proxy.wsUri() : server.wsUri());
        engines.add(e);
        return e;
    }

    private static String token(String userId) {
        return JwtTokens.mint(APP, userId, MultiRoomTest.MULTI_SECRET.getBytes(StandardCharsets.UTF_8),
                Instant.now().minusSeconds(5), Instant.now().plus(Duration.ofHours(1)), null, true, true, null);
    }

    private static void login(ParleyEngine e, String room, String userId, Messages.RoomConfig cfg) throws Exception {
        assertThat(e.loginRoom(room, token(userId), user(userId), cfg).get().code()).as(userId + " in " + room).isZero();
    }

    /** Room states as the listener saw them: "room REASON:code[:extendedData]". */
    private static List<String> states(ParleyEngine e) {
        List<String> out = new CopyOnWriteArrayList<>();
        e.setRoomStateListener((r, reason, code, ext) -> out.add(r + " " + reason + ":" + code + (ext.isEmpty() ? "" : ":" + ext)));
        return out;
    }

    private static List<String> of(List<String> states, String room) {
        return states.stream().filter(s -> s.startsWith(room + " ")).map(s -> s.substring(room.length() + 1)).toList();
    }

    private static Predicate<Pushes.Push> users(String type, String user) {
        return p -> p.type().equals(type) && p.userIds().contains(user);
    }

    /** alice (through the proxy) in rooms a and b, with carol in a and dave in b (directly). */
    private record Cast(ParleyEngine alice, List<String> states, Pushes carol, Pushes dave, ParleyEngine carolEngine,
                        ParleyEngine daveEngine) {
    }

    private Cast cast(Messages.RoomConfig roomB) throws Exception {
        return cast(MULTI, roomB);
    }

    private Cast cast(Messages.RoomConfig roomA, Messages.RoomConfig roomB) throws Exception {
        ParleyEngine carol = engine(false);
        ParleyEngine dave = engine(false);
        Pushes pc = Pushes.on(carol);
        Pushes pd = Pushes.on(dave);
        login(carol, "a", "carol", roomA);
        login(dave, "b", "dave", roomB);
        ParleyEngine alice = engine(true);
        List<String> states = states(alice);
        login(alice, "a", "alice", MULTI);
        login(alice, "b", "alice", MULTI);
        pc.await(Messages.ROOM_USER_UPDATE, users("ADD", "alice"));
        pd.await(Messages.ROOM_USER_UPDATE, users("ADD", "alice"));
        return new Cast(alice, states, pc, pd, carol, dave);
    }

    private void cutAndAwaitReconnecting(List<String> states) {
        proxy.refuse();
        proxy.cut();
        await().atMost(WAIT).until(() -> states.contains("a RECONNECTING:" + ErrorCode.NETWORK_BROKEN)
                && states.contains("b RECONNECTING:" + ErrorCode.NETWORK_BROKEN));
    }

    @Test
    void aResumeRefusedAfterTheServerTimeoutLogsInAgainToEveryRoomAndTheNewSessionResumesWithBoth() throws Exception {
        start(new ParleyConfig.Session(Duration.ofMillis(250), Duration.ofSeconds(1)));
        Cast c = cast(MULTI);
        cutAndAwaitReconnecting(c.states());
        c.carol().await(Messages.ROOM_USER_UPDATE, users("DELETE", "alice"));
        c.dave().await(Messages.ROOM_USER_UPDATE, users("DELETE", "alice"));
        proxy.allow();

        String relogin = "RECONNECTED:0:{\"relogin\":" + ErrorCode.HEARTBEAT_TIMEOUT + "}";
        await().atMost(WAIT).until(() -> c.states().contains("a " + relogin) && c.states().contains("b " + relogin));
        for (String room : List.of("a", "b")) {
            assertThat(of(c.states(), room)).as(room).containsExactly("LOGINING:0", "LOGINED:0", "RECONNECTING:1000017", relogin);
        }
        assertThat(c.alice().roomState()).isEqualTo("RECONNECTED");
        assertThat(c.alice().rooms()).containsExactly("a", "b");
        await().atMost(WAIT).until(() -> c.carol().count(Messages.ROOM_USER_UPDATE, users("ADD", "alice")) == 2
                && c.dave().count(Messages.ROOM_USER_UPDATE, users("ADD", "alice")) == 2);
        assertThat(server.server().rooms().snapshot(APP, "a").join().userIds()).containsExactlyInAnyOrder("carol", "alice");
        assertThat(server.server().rooms().snapshot(APP, "b").join().userIds()).containsExactlyInAnyOrder("dave", "alice");
        await().atMost(WAIT).until(() -> c.alice().roomUsers("a").equals(List.of("carol"))
                && c.alice().roomUsers("b").equals(List.of("dave")));
        // The new session works in both rooms ...
        assertThat(c.alice().sendBroadcastMessage("a", "back in a").get().code()).isZero();
        assertThat(c.alice().sendBroadcastMessage("b", "back in b").get().code()).isZero();
        c.carol().await(Messages.IM_RECV_BROADCAST_MESSAGE, p -> p.data().toString().contains("back in a"));
        c.dave().await(Messages.IM_RECV_BROADCAST_MESSAGE, p -> p.data().toString().contains("back in b"));

        // ... and its own credential resumes it, with both rooms, while peers see nothing.
        c.states().clear();
        proxy.cut();
        await().atMost(WAIT).until(() -> c.states().contains("a RECONNECTED:0") && c.states().contains("b RECONNECTED:0"));
        assertThat(of(c.states(), "a")).containsExactly("RECONNECTING:1000017", "RECONNECTED:0");
        assertThat(of(c.states(), "b")).containsExactly("RECONNECTING:1000017", "RECONNECTED:0");
        assertThat(c.carol().count(Messages.ROOM_USER_UPDATE, users("DELETE", "alice"))).isEqualTo(1);
        assertThat(c.dave().count(Messages.ROOM_USER_UPDATE, users("DELETE", "alice"))).isEqualTo(1);
        assertThat(c.alice().sendBroadcastMessage("b", "still here").get().code()).isZero();
        c.dave().await(Messages.IM_RECV_BROADCAST_MESSAGE, p -> p.data().toString().contains("still here"));
    }

    @Test
    void aResumeRefusedForAReplayGapLogsInAgainToEveryRoom() throws Exception {
        start(new ParleyConfig.Session(Duration.ofSeconds(1), Duration.ofSeconds(30), 4));
        Cast c = cast(MULTI);
        cutAndAwaitReconnecting(c.states());
        for (int i = 0; i < 6; i++) {
            assertThat(c.carolEngine().startPublishing("carol-" + i, "").get().code()).isZero();
        }
        proxy.allow();
        String relogin = "RECONNECTED:0:{\"relogin\":" + ErrorCode.RESUME_GAP + "}";
        await().atMost(WAIT).until(() -> c.states().contains("a " + relogin) && c.states().contains("b " + relogin));
        assertThat(c.alice().rooms()).containsExactly("a", "b");
        // Peers of both rooms saw the session end and alice come back; the fresh login brought room a as it is.
        c.dave().await(Messages.ROOM_USER_UPDATE, users("DELETE", "alice"));
        await().atMost(WAIT).until(() -> c.dave().count(Messages.ROOM_USER_UPDATE, users("ADD", "alice")) == 2);
        await().atMost(WAIT).until(() -> c.alice().roomStreams("a").size() == 6);
    }

    @Test
    void aRoomThatRefusesTheFreshLoginIsReconnectFailedAloneAndTheOthersCarryOn() throws Exception {
        start(new ParleyConfig.Session(Duration.ofMillis(250), Duration.ofSeconds(1)));
        Cast c = cast(new Messages.RoomConfig(true, 2, true)); // room b holds two members: dave and alice
        cutAndAwaitReconnecting(c.states());
        c.dave().await(Messages.ROOM_USER_UPDATE, users("DELETE", "alice"));
        ParleyEngine erin = engine(false);
        login(erin, "b", "erin", MULTI); // alice's place in b is taken
        proxy.allow();

        await().atMost(WAIT).until(() -> c.states().contains("a RECONNECTED:0:{\"relogin\":" + ErrorCode.HEARTBEAT_TIMEOUT + "}"));
        await().atMost(WAIT).until(() -> of(c.states(), "b").stream().anyMatch(s -> s.startsWith("RECONNECT_FAILED:")));
        assertThat(of(c.states(), "b")).hasSize(4).last().asString().startsWith("RECONNECT_FAILED:" + ErrorCode.ROOM_FULL);
        assertThat(of(c.states(), "a")).containsExactly("LOGINING:0", "LOGINED:0", "RECONNECTING:1000017",
                "RECONNECTED:0:{\"relogin\":" + ErrorCode.HEARTBEAT_TIMEOUT + "}");
        assertThat(c.alice().rooms()).containsExactly("a");
        assertThat(c.alice().roomState()).isEqualTo("RECONNECTED");
        assertThat(c.alice().sendBroadcastMessage("a", "a only").get().code()).isZero();
        c.carol().await(Messages.IM_RECV_BROADCAST_MESSAGE, p -> p.data().toString().contains("a only"));
        assertThat(c.alice().logoutRoom("a").get().code()).isZero();
        assertThat(c.alice().rooms()).isEmpty();
    }

    @Test
    void afterReconnectFailedInEveryRoomALoginStartsASessionOfItsOwn() throws Exception {
        start(new ParleyConfig.Session(Duration.ofMillis(250), Duration.ofSeconds(1)));
        Cast c = cast(MULTI);
        c.alice().setReconnectWindow(Duration.ofMillis(1500));
        cutAndAwaitReconnecting(c.states());
        await().atMost(WAIT).until(() -> c.states().stream().filter(s -> s.contains("RECONNECT_FAILED:" + ErrorCode.RECONNECT_TIMEOUT)).count() == 2);
        assertThat(of(c.states(), "a")).last().asString().startsWith("RECONNECT_FAILED:");
        assertThat(of(c.states(), "b")).last().asString().startsWith("RECONNECT_FAILED:");
        proxy.allow();

        // Logging in again (without logging out first) starts anew: one room, heartbeats, a credential of its own.
        c.states().clear();
        login(c.alice(), "b", "alice", MULTI);
        assertThat(c.alice().rooms()).containsExactly("b");
        assertThat(c.alice().roomId()).isEqualTo("b");
        await().atMost(WAIT).until(() -> c.dave().count(Messages.ROOM_USER_UPDATE, users("ADD", "alice")) == 2);
        // It outlives the server's 1 s timeout (it heartbeats) ...
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        await().atMost(WAIT).until(() -> System.nanoTime() - deadline > 0);
        assertThat(server.server().rooms().snapshot(APP, "b").join().userIds()).containsExactlyInAnyOrder("dave", "alice");
        // ... and resumes after a cut.
        proxy.cut();
        await().atMost(WAIT).until(() -> c.states().contains("b RECONNECTED:0"));
        assertThat(c.states()).containsExactly("b LOGINING:0", "b LOGINED:0", "b RECONNECTING:1000017", "b RECONNECTED:0");
    }

    @Test
    void theFirstRoomRefusingTheFreshLoginLeavesTheOthersLoggedInAgain() throws Exception {
        start(new ParleyConfig.Session(Duration.ofMillis(250), Duration.ofSeconds(1)));
        Cast c = cast(new Messages.RoomConfig(true, 2, true), MULTI); // room a holds two members: carol and alice
        cutAndAwaitReconnecting(c.states());
        c.carol().await(Messages.ROOM_USER_UPDATE, users("DELETE", "alice"));
        ParleyEngine erin = engine(false);
        login(erin, "a", "erin", MULTI); // alice's place in a is taken
        proxy.allow();

        String relogin = "RECONNECTED:0:{\"relogin\":" + ErrorCode.HEARTBEAT_TIMEOUT + "}";
        await().atMost(WAIT).until(() -> c.states().contains("b " + relogin));
        assertThat(of(c.states(), "a")).hasSize(4).last().asString().startsWith("RECONNECT_FAILED:" + ErrorCode.ROOM_FULL);
        assertThat(of(c.states(), "b")).containsExactly("LOGINING:0", "LOGINED:0", "RECONNECTING:1000017", relogin);
        assertThat(c.alice().rooms()).containsExactly("b");
        assertThat(c.alice().roomId()).isEqualTo("b");
        assertThat(c.alice().roomState()).isEqualTo("RECONNECTED");
        c.dave().await(Messages.ROOM_USER_UPDATE, users("DELETE", "alice"));
        await().atMost(WAIT).until(() -> c.dave().count(Messages.ROOM_USER_UPDATE, users("ADD", "alice")) == 2);
        // The session that room b took back resumes after the next cut (its credential is the new login's).
        c.states().clear();
        proxy.cut();
        await().atMost(WAIT).until(() -> c.states().contains("b RECONNECTED:0"));
        assertThat(c.states()).containsExactly("b RECONNECTING:1000017", "b RECONNECTED:0");
        assertThat(c.alice().sendBroadcastMessage("b", "b only").get().code()).isZero();
        c.dave().await(Messages.IM_RECV_BROADCAST_MESSAGE, p -> p.data().toString().contains("b only"));
    }
}
