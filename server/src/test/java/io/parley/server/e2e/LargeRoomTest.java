package io.parley.server.e2e;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.client.ParleyEngine;
import io.parley.protocol.signal.Messages;
import io.parley.server.Pushes;
import io.parley.server.TestServer;
import io.parley.server.config.ParleyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Large rooms: the user-update limit (ZEGO's 500 rule, here 3) and joins coalesced into one push per window. */
class LargeRoomTest {
    private TestServer server;
    private final List<ParleyEngine> engines = new ArrayList<>();

    private void start(int userUpdateLimit, Duration window) throws Exception {
        server = TestServer.start(TestServer.config().withLimits(new ParleyConfig.Limits(8, 500, 100, userUpdateLimit, window)));
    }

    @AfterEach
    void stop() {
        engines.forEach(ParleyEngine::close);
        if (server != null) {
            server.close();
        }
    }

    private ParleyEngine join(String userId, List<Pushes> pushes) throws Exception {
        ParleyEngine e = server.engine();
        engines.add(e);
        pushes.add(Pushes.on(e));
        assertThat(e.loginRoom("big", token(userId), user(userId), withUserUpdates()).get().ok()).isTrue();
        return e;
    }

    private static long userPushes(Pushes p) {
        return p.count(Messages.ROOM_USER_UPDATE, x -> true);
    }

    @Test
    void pastTheLimitUserUpdatesStopWhileStreamUpdatesReachEveryone() throws Exception {
        start(3, Duration.ZERO);
        List<Pushes> p = new ArrayList<>();
        ParleyEngine u1 = join("u1", p);
        join("u2", p);
        join("u3", p);
        await().until(() -> engines.get(0).roomUsers().size() == 2);
        ParleyEngine u4 = join("u4", p);
        ParleyEngine u5 = join("u5", p);
        // u5 publishes: every member hears of it, listed or not.
        u5.startPublishing("u5-mic", "").get();
        for (Pushes x : p.subList(0, 4)) {
            x.await(Messages.ROOM_STREAM_UPDATE, s -> s.streamIds().contains("u5-mic"));
        }
        // The first three see each other only; u4 and u5 were announced to nobody and see no user events.
        assertThat(engines.get(0).roomUsers()).containsExactlyInAnyOrder("u2", "u3");
        assertThat(engines.get(2).roomUsers()).containsExactlyInAnyOrder("u1", "u2");
        assertThat(userPushes(p.get(3))).isZero();
        assertThat(userPushes(p.get(4))).isZero();
        assertThat(u4.roomStreams()).containsExactly("u5-mic");
        // u5 leaves: nobody is told of its leaving either (only of its stream).
        u5.logoutRoom().get();
        p.get(0).await(Messages.ROOM_STREAM_UPDATE, s -> s.type().equals("DELETE"));
        assertThat(p.get(0).count(Messages.ROOM_USER_UPDATE, x -> x.userIds().contains("u5"))).isZero();
        // A listed member leaves: the listed ones are told, and the next login takes its place in the list.
        u1.logoutRoom().get();
        p.get(1).await(Messages.ROOM_USER_UPDATE, x -> x.type().equals("DELETE") && x.userIds().contains("u1"));
        assertThat(p.get(3).count(Messages.ROOM_USER_UPDATE, x -> true)).isZero();
        ParleyEngine u6 = join("u6", p);
        await().until(() -> new HashSet<>(u6.roomUsers()).equals(Set.of("u2", "u3")));
        p.get(1).await(Messages.ROOM_USER_UPDATE, x -> x.type().equals("ADD") && x.userIds().contains("u6"));
        assertThat(userPushes(p.get(3))).isZero();
        assertThat(server.server().rooms().snapshot(TestServer.APP, "big").join().userIds())
                .containsExactlyInAnyOrder("u2", "u3", "u4", "u6");
    }

    @Test
    void joinsWithinTheWindowReachEachMemberAsOnePushAndNobodyTwice() throws Exception {
        start(500, Duration.ofSeconds(1));
        List<Pushes> p = new ArrayList<>();
        ParleyEngine first = join("first", p);
        Pushes watcher = p.get(0);
        List<ParleyEngine> burst = new ArrayList<>();
        List<CompletableFuture<?>> logins = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ParleyEngine e = server.engine();
            engines.add(e);
            burst.add(e);
            p.add(Pushes.on(e));
            e.heartbeat().get(); // connected first, so that the logins themselves come together
        }
        for (int i = 0; i < 8; i++) {
            ParleyEngine e = burst.get(i);
            logins.add(e.loginRoom("big", token("b" + i), user("b" + i), withUserUpdates()));
        }
        CompletableFuture.allOf(logins.toArray(CompletableFuture[]::new)).get();
        await().until(() -> first.roomUsers().size() == 8);
        // 8 joins sent together, gathered for 1 s (a very slow machine may split them in two): far fewer pushes than joins.
        assertThat(watcher.count(Messages.ROOM_USER_UPDATE, x -> true)).isLessThanOrEqualTo(4);
        // Every member ends up knowing every other member, and was told of each exactly once (never of itself).
        for (int i = 0; i < burst.size(); i++) {
            ParleyEngine e = burst.get(i);
            String me = "b" + i;
            await().until(() -> e.roomUsers().size() == 8);
            List<String> told = new ArrayList<>();
            p.get(i + 1).all().stream().filter(x -> x.name().equals(Messages.ROOM_USER_UPDATE)).forEach(x -> told.addAll(x.userIds()));
            assertThat(told).doesNotContain(me).doesNotHaveDuplicates().hasSize(8);
        }
        // Anything else the room sends flushes the joins first: a stream right after a join comes after its ADD.
        ParleyEngine late = server.engine();
        engines.add(late);
        late.loginRoom("big", token("late"), user("late"), withUserUpdates()).get();
        late.startPublishing("late-mic", "").get();
        watcher.await(Messages.ROOM_STREAM_UPDATE, x -> x.streamIds().contains("late-mic"));
        List<String> order = new ArrayList<>();
        for (Pushes.Push x : watcher.all()) {
            if (x.userIds().contains("late") || x.streamIds().contains("late-mic")) {
                order.add(x.name());
            }
        }
        assertThat(order).containsExactly(Messages.ROOM_USER_UPDATE, Messages.ROOM_STREAM_UPDATE);
    }
}
