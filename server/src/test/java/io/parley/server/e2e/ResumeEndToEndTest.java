package io.parley.server.e2e;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.client.ParleyEngine;
import io.parley.client.media.Player;
import io.parley.client.media.Publisher;
import io.parley.client.media.ReceivedPacket;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.Messages;
import io.parley.server.CutProxy;
import io.parley.server.Pushes;
import io.parley.server.TestServer;
import io.parley.server.config.ParleyConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Resume after a dropped connection, with the Java client behind a {@link CutProxy}: the proxy resets the client's
 * TCP connection (no close frame) and refuses new ones for a while, then lets the client back in.
 */
class ResumeEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private TestServer server;
    private CutProxy proxy;
    private final List<AutoCloseable> closeMe = new ArrayList<>();

    private void start(ParleyConfig.Session session) throws Exception {
        server = TestServer.start(TestServer.config().withSession(session));
        proxy = new CutProxy(server.server().port());
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeMe) {
            c.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private ParleyEngine engine(boolean viaProxy) {
        ParleyEngine e = viaProxy ? ParleyEngine.create(TestServer.APP, proxy.wsUri()) : server.engine();
        closeMe.add(e);
        return e;
    }

    /** Room states as the listeners saw them: "REASON:code" and "legacy STATE". */
    private static List<String> states(ParleyEngine e) {
        List<String> out = new CopyOnWriteArrayList<>();
        e.setRoomStateListener((r, reason, code, ext) -> out.add(reason + ":" + code + (ext.isEmpty() ? "" : ":" + ext)));
        e.setRoomStateUpdateListener((r, state, code, ext) -> out.add("legacy " + state));
        return out;
    }

    private static Predicate<Pushes.Push> users(String type, String user) {
        return p -> p.type().equals(type) && p.userIds().contains(user);
    }

    private static Predicate<Pushes.Push> streams(String type, String stream) {
        return p -> p.type().equals(type) && p.streamIds().contains(stream);
    }

    private void cutAndAwaitReconnecting(List<String> states) {
        proxy.refuse();
        proxy.cut();
        await().atMost(WAIT).until(() -> states.contains("RECONNECTING:" + ErrorCode.NETWORK_BROKEN));
    }

    @Test
    void aCutClientResumesAndGetsWhatItMissedInOrderOnceWhilePeersSeeNothing() throws Exception {
        start(new ParleyConfig.Session(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        ParleyEngine alice = engine(true);
        ParleyEngine bob = engine(false);
        ParleyEngine carol = engine(false);
        List<String> aliceStates = states(alice);
        Pushes pa = Pushes.on(alice);
        Pushes pc = Pushes.on(carol);
        carol.loginRoom("r", token("carol"), user("carol"), withUserUpdates()).get();
        assertThat(alice.loginRoom("r", token("alice"), user("alice"), withUserUpdates()).get().ok()).isTrue();
        alice.startPublishing("alice-mic", "").get();
        bob.loginRoom("r", token("bob"), user("bob"), withUserUpdates()).get();
        pa.await(Messages.ROOM_USER_UPDATE, users("ADD", "bob"));

        cutAndAwaitReconnecting(aliceStates);
        assertThat(aliceStates).containsSubsequence("LOGINED:0", "legacy CONNECTED", "RECONNECTING:1000017", "legacy CONNECTING");
        // While alice is away: streams come and go, a user comes and goes. Carol sees each as the room decides it.
        bob.startPublishing("bob-1", "").get();
        bob.startPublishing("bob-2", "").get();
        bob.stopPublishing("bob-1").get();
        ParleyEngine dave = engine(false);
        dave.loginRoom("r", token("dave"), user("dave"), withUserUpdates()).get();
        dave.logoutRoom().get();
        pc.await(Messages.ROOM_USER_UPDATE, users("DELETE", "dave"));
        assertThat(alice.roomState()).isEqualTo("RECONNECTING");
        assertThat(alice.roomStreams()).doesNotContain("bob-1", "bob-2");

        proxy.allow();
        await().atMost(WAIT).until(() -> "RECONNECTED".equals(alice.roomState()));
        pa.await(Messages.ROOM_USER_UPDATE, users("DELETE", "dave"));
        List<String> missed = new ArrayList<>();
        for (Pushes.Push p : pa.all()) {
            if (p.name().equals(Messages.ROOM_STREAM_UPDATE) && p.streamIds().stream().anyMatch(s -> s.startsWith("bob-"))) {
                missed.add(p.type() + " " + p.streamIds());
            } else if (p.name().equals(Messages.ROOM_USER_UPDATE) && p.userIds().contains("dave")) {
                missed.add(p.type() + " " + p.userIds());
            }
        }
        assertThat(missed).containsExactly("ADD [bob-1]", "ADD [bob-2]", "DELETE [bob-1]", "ADD [dave]", "DELETE [dave]");
        assertThat(alice.roomStreams()).containsExactly("bob-2");
        assertThat(alice.roomUsers()).containsExactlyInAnyOrder("carol", "bob");
        assertThat(aliceStates).containsSubsequence("RECONNECTING:1000017", "legacy CONNECTING", "RECONNECTED:0", "legacy CONNECTED");
        assertThat(aliceStates).doesNotContain("RECONNECT_FAILED:" + ErrorCode.RECONNECT_TIMEOUT);

        // The session goes on as before: alice's stream is still there and she can act on it.
        assertThat(alice.stopPublishing("alice-mic").get().ok()).isTrue();
        pc.await(Messages.ROOM_STREAM_UPDATE, streams("DELETE", "alice-mic"));
        // Peers saw nothing of the drop: one ADD of alice, no DELETE of alice, her stream deleted only by her stop.
        assertThat(pc.count(Messages.ROOM_USER_UPDATE, users("ADD", "alice"))).isEqualTo(1);
        assertThat(pc.count(Messages.ROOM_USER_UPDATE, users("DELETE", "alice"))).isZero();
        assertThat(pc.count(Messages.ROOM_STREAM_UPDATE, streams("ADD", "alice-mic"))).isEqualTo(1);
        assertThat(pc.count(Messages.ROOM_STREAM_UPDATE, streams("DELETE", "alice-mic"))).isEqualTo(1);
        assertThat(pc.await(Messages.ROOM_STREAM_UPDATE, streams("DELETE", "alice-mic")).data().path("extendedData").asText())
                .contains("\"code\":1");
    }

    @Test
    void mediaKeepsFlowingThroughACutAndTheResume() throws Exception {
        start(new ParleyConfig.Session(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        ParleyEngine alice = engine(true);
        ParleyEngine bob = engine(true);
        List<String> aliceStates = states(alice);
        List<String> bobStates = states(bob);
        alice.loginRoom("m", token("alice"), user("alice"), withUserUpdates()).get();
        bob.loginRoom("m", token("bob"), user("bob"), withUserUpdates()).get();
        Publisher pub = alice.startPublishingMedia("alice-mic", "").get(20, TimeUnit.SECONDS);
        List<ReceivedPacket> got = new CopyOnWriteArrayList<>();
        Player player = bob.startPlaying("alice-mic", got::add).get(20, TimeUnit.SECONDS);
        assertThat(player.isConnected()).isTrue();
        await().atMost(WAIT).until(() -> server.server().media().connectedTransportCount().join() == 2);
        int[] sent = {0};
        var feeder = io.parley.client.WsClient.group().next().scheduleAtFixedRate(
                () -> pub.sendFrame(frame(sent[0]++)), 0, 20, TimeUnit.MILLISECONDS);
        try {
            await().atMost(WAIT).until(() -> got.size() >= 10);
            proxy.refuse();
            proxy.cut();
            await().atMost(WAIT).until(() -> aliceStates.contains("RECONNECTING:1000017") && bobStates.contains("RECONNECTING:1000017"));
            int atCut = got.size();
            // Signalling is down for both, media is not: the player keeps getting the publisher's packets.
            await().atMost(WAIT).until(() -> got.size() >= atCut + 25);
            proxy.allow();
            await().atMost(WAIT).until(() -> "RECONNECTED".equals(alice.roomState()) && "RECONNECTED".equals(bob.roomState()));
            int atResume = got.size();
            await().atMost(WAIT).until(() -> got.size() >= atResume + 25);
        } finally {
            feeder.cancel(false);
        }
        assertThat(alice.publisher("alice-mic")).isSameAs(pub);
        assertThat(bob.player("alice-mic")).isSameAs(player);
        assertThat(server.server().rooms().snapshot(TestServer.APP, "m").join().streamIds()).containsExactly("alice-mic");
        // In order, none missing between the first and the last packet received (loopback loses nothing).
        int first = index(got.get(0).payload());
        for (int i = 0; i < got.size(); i++) {
            assertThat(index(got.get(i).payload())).isEqualTo(first + i);
        }
    }

    @Test
    void aClientBackAfterTheServerTimeoutLogsInAgainAndPeersSeeDeleteThenAdd() throws Exception {
        start(new ParleyConfig.Session(Duration.ofMillis(250), Duration.ofSeconds(1)));
        ParleyEngine alice = engine(true);
        ParleyEngine carol = engine(false);
        List<String> aliceStates = states(alice);
        Pushes pc = Pushes.on(carol);
        Pushes pa = Pushes.on(alice);
        carol.loginRoom("r", token("carol"), user("carol"), withUserUpdates()).get();
        alice.loginRoom("r", token("alice"), user("alice"), withUserUpdates()).get();
        alice.startPublishing("alice-mic", "").get();
        pc.await(Messages.ROOM_STREAM_UPDATE, streams("ADD", "alice-mic"));

        cutAndAwaitReconnecting(aliceStates);
        pc.await(Messages.ROOM_USER_UPDATE, users("DELETE", "alice"));
        assertThat(pc.await(Messages.ROOM_STREAM_UPDATE, streams("DELETE", "alice-mic")).data().path("extendedData").asText())
                .contains("\"code\":2");
        proxy.allow();
        await().atMost(WAIT).until(() -> "RECONNECTED".equals(alice.roomState()));
        assertThat(aliceStates).contains("RECONNECTED:0:{\"relogin\":" + ErrorCode.HEARTBEAT_TIMEOUT + "}");
        await().atMost(WAIT).until(() -> pc.count(Messages.ROOM_USER_UPDATE, users("ADD", "alice")) == 2);
        // The client forgot the old session's stream (a synthesized DELETE) and knows the room anew.
        pa.await(Messages.ROOM_USER_UPDATE, users("ADD", "carol"));
        assertThat(alice.roomUsers()).containsExactly("carol");
        assertThat(server.server().rooms().snapshot(TestServer.APP, "r").join().userIds()).containsExactlyInAnyOrder("carol", "alice");
        assertThat(server.server().rooms().snapshot(TestServer.APP, "r").join().streamIds()).isEmpty();
        assertThat(alice.startPublishing("alice-mic", "").get().ok()).isTrue();
    }

    @Test
    void missedPushesBeyondTheReplayBufferEndTheSessionAndTheClientLogsInAgain() throws Exception {
        start(new ParleyConfig.Session(Duration.ofSeconds(1), Duration.ofSeconds(30), 4));
        ParleyEngine alice = engine(true);
        ParleyEngine carol = engine(false);
        List<String> aliceStates = states(alice);
        Pushes pc = Pushes.on(carol);
        carol.loginRoom("r", token("carol"), user("carol"), withUserUpdates()).get();
        alice.loginRoom("r", token("alice"), user("alice"), withUserUpdates()).get();
        cutAndAwaitReconnecting(aliceStates);
        ParleyEngine bob = engine(false);
        bob.loginRoom("r", token("bob"), user("bob"), withUserUpdates()).get();
        for (int i = 0; i < 6; i++) {
            bob.startPublishing("bob-" + i, "").get();
        }
        pc.await(Messages.ROOM_STREAM_UPDATE, streams("ADD", "bob-5"));
        proxy.allow();
        await().atMost(WAIT).until(() -> "RECONNECTED".equals(alice.roomState()));
        assertThat(aliceStates).contains("RECONNECTED:0:{\"relogin\":" + ErrorCode.RESUME_GAP + "}");
        // Peers saw the session end (no silent gap anywhere) and the user come back.
        pc.await(Messages.ROOM_USER_UPDATE, users("DELETE", "alice"));
        await().atMost(WAIT).until(() -> pc.count(Messages.ROOM_USER_UPDATE, users("ADD", "alice")) == 2);
        // The fresh login brought the room as it is.
        await().atMost(WAIT).until(() -> alice.roomStreams().size() == 6);
    }

    @Test
    void noWayBackWithinTheRetryWindowIsReconnectFailed() throws Exception {
        start(new ParleyConfig.Session(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        ParleyEngine alice = engine(true);
        alice.setReconnectWindow(Duration.ofMillis(1500));
        List<String> aliceStates = states(alice);
        alice.loginRoom("r", token("alice"), user("alice"), withUserUpdates()).get();
        cutAndAwaitReconnecting(aliceStates);
        // The engine changes its state before it calls the listeners: wait for the listeners' last word.
        await().atMost(WAIT).until(() -> "RECONNECT_FAILED".equals(alice.roomState())
                && aliceStates.contains("legacy DISCONNECTED"));
        assertThat(alice.lastErrorCode()).isEqualTo(ErrorCode.RECONNECT_TIMEOUT);
        assertThat(aliceStates).containsSubsequence("RECONNECTING:1000017", "legacy CONNECTING",
                "RECONNECT_FAILED:" + ErrorCode.RECONNECT_TIMEOUT + ":no reconnect within PT1.5S", "legacy DISCONNECTED");
        int attempts = proxy.accepted();
        assertThat(attempts).isGreaterThan(2); // it did retry (the first connection counts too)
        proxy.allow();
        // It stopped trying: no further connections.
        await().during(Duration.ofMillis(600)).atMost(WAIT).until(() -> proxy.accepted() == attempts);
        assertThat(alice.logoutRoom().get().ok()).isTrue();
    }

    private static byte[] frame(int i) {
        ByteBuffer b = ByteBuffer.allocate(120);
        b.putInt(i);
        return b.array();
    }

    private static int index(byte[] payload) {
        return ByteBuffer.wrap(payload).getInt();
    }
}
