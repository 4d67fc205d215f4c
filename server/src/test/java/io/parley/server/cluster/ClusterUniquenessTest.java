package io.parley.server.cluster;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.protocol.ErrorCode;
import io.parley.server.TestServer;
import io.parley.server.room.RoomEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cluster-wide uniqueness over three nodes on one redis-server: a userID has one live session in the whole cluster
 * (a later login on any node kicks the earlier one, KICKOUT 1002050, on whichever node holds it), a streamID one
 * publisher; the nodes' recorded history shows no moment where either rule was broken.
 */
class ClusterUniquenessTest {
    private static final int CLIENTS = 30;
    private ClusterRig rig;
    private final ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);

    @BeforeEach
    void start() throws Exception {
        rig = ClusterRig.start(3, Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        pool.shutdownNow();
        if (rig != null) {
            rig.close();
        }
    }

    /** One action per engine, all released at the same moment; a session kicked mid-way counts as kicked. */
    private List<Result> together(List<ParleyEngine> es, Function<ParleyEngine, CompletableFuture<Result>> action) {
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Result>> results = new ArrayList<>();
        for (ParleyEngine e : es) {
            results.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                return action.apply(e).exceptionally(gone -> {
                    Throwable cause = gone instanceof CompletionException && gone.getCause() != null ? gone.getCause() : gone;
                    if (cause instanceof IllegalStateException && String.valueOf(cause.getMessage()).contains("kicked_multiple_login")) {
                        return new Result(ErrorCode.KICKED_MULTIPLE_LOGIN, cause.getMessage(), null);
                    }
                    throw new AssertionError("failed otherwise than by a kick", cause);
                }).join();
            }, pool));
        }
        go.countDown();
        return results.stream().map(f -> f.orTimeout(30, TimeUnit.SECONDS).join()).toList();
    }

    private List<ParleyEngine> spread(int n) {
        List<ParleyEngine> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(rig.engine(i % 3));
        }
        return out;
    }

    @Test
    void thirtyLoginsOfOneUserIdOverThreeNodesLeaveExactlyOneSession() {
        List<ParleyEngine> racers = spread(CLIENTS);
        // One room per node (a first login places a room on its own node when that node is empty), so that the
        // racers' sessions live on the three nodes they connected to.
        for (int n = 0; n < 3; n++) {
            assertThat(rig.engine(n).loginRoom("race-" + n, token("anchor-" + n), user("anchor-" + n), null).join().code()).isZero();
        }
        List<Result> results = together(racers, e -> e.loginRoom("race-" + (racers.indexOf(e) % 3), token("twin"), user("twin"), null)
                .thenCompose(r -> r.ok() ? e.startPublishing("twin-mic", "").thenApply(p -> r) : CompletableFuture.completedFuture(r)));
        assertThat(results).allSatisfy(r -> assertThat(r.code()).isIn(0, ErrorCode.KICKED_MULTIPLE_LOGIN));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(racers.stream().filter(e -> e.roomState().equals("LOGINED")).count()).as("sessions alive").isEqualTo(1));
        int winner = racers.indexOf(racers.stream().filter(e -> e.roomState().equals("LOGINED")).findFirst().orElseThrow());
        // Every other session was told why it ended: one that got in, by its end; one overtaken on its way in, by its
        // login's answer (1002050: LOGIN_FAILED when the room turned it away, PROTOCOL.md loginRoom; a kick decided
        // across nodes may still report KICKOUT).
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (int i = 0; i < racers.size(); i++) {
                if (i != winner) {
                    int code = results.get(i).code();
                    assertThat(racers.get(i).roomState()).as("racer %d (login answered %d)", i, code)
                            .isIn(code == 0 ? List.of("LOGOUT", "KICKOUT", "DISCONNECTED") : List.of("LOGIN_FAILED", "KICKOUT"));
                }
            }
        });
        // The cluster agrees: one node holds the session, Redis names that node as the owner.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            int holders = 0;
            for (TestServer n : rig.nodes) {
                holders += n.server().rooms().app(TestServer.APP).sessionOf("twin") == null ? 0 : 1;
            }
            assertThat(holders).isEqualTo(1);
        });
        String owner = rig.redisCommands().get("parley:" + TestServer.APP + ":user:twin");
        assertThat(owner).contains("#node-" + (winner % 3) + "/");
        assertThat(rig.node(winner % 3).server().rooms().app(TestServer.APP).sessionOf("twin")).isNotNull();
        assertThat(rig.redisCommands().pttl("parley:" + TestServer.APP + ":user:twin")).isBetween(1L, 10_000L);
        List<ClusterRig.Happened> history = rig.history();
        assertThat(history).filteredOn(h -> h.event() instanceof RoomEvent.UserJoined).isNotEmpty();
        assertThat(UniquenessHistory.violations(history)).as(() -> UniquenessHistory.dump(history)).isEmpty();
    }

    @Test
    void thirtyPublishersOfOneStreamIdOverThreeNodesLeaveExactlyOne() {
        List<ParleyEngine> publishers = spread(CLIENTS);
        for (int i = 0; i < CLIENTS; i++) {
            assertThat(publishers.get(i).loginRoom("stage-" + (i % 3), token("p" + i), user("p" + i), null).join().code()).isZero();
        }
        List<Result> results = together(publishers, e -> e.startPublishing("the-one", ""));
        assertThat(results).filteredOn(r -> r.code() == 0).hasSize(1);
        assertThat(results).filteredOn(r -> r.code() != 0).allSatisfy(r -> assertThat(r.code()).isEqualTo(ErrorCode.STREAM_ID_DUPLICATE));
        int winner = results.indexOf(results.stream().filter(r -> r.code() == 0).findFirst().orElseThrow());
        assertThat(rig.redisCommands().get("parley:" + TestServer.APP + ":stream:the-one")).contains("#node-" + (winner % 3) + "/");
        // Released by its publisher, the streamID is free for a publisher on another node.
        assertThat(publishers.get(winner).stopPublishing("the-one").join().code()).isZero();
        ParleyEngine next = publishers.get((winner + 1) % CLIENTS);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(next.startPublishing("the-one", "").join().code()).isZero());
        assertThat(rig.redisCommands().get("parley:" + TestServer.APP + ":stream:the-one")).contains("#node-" + ((winner + 1) % 3) + "/");
        // The room records StreamCreated just after it answers the publisher, so the answer may arrive first.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(rig.history())
                .filteredOn(h -> h.event() instanceof RoomEvent.StreamCreated).hasSize(2));
        List<ClusterRig.Happened> history = rig.history();
        assertThat(UniquenessHistory.violations(history)).as(() -> UniquenessHistory.dump(history)).isEmpty();
    }

    @Test
    void aLoginOnAnotherNodeKicksTheEarlierSessionThereWith1002050() {
        ParleyEngine first = rig.engine(0);
        ParleyEngine watcher = rig.engine(0);
        assertThat(watcher.loginRoom("r", token("watch"), user("watch"), TestServer.withUserUpdates()).join().code()).isZero();
        assertThat(first.loginRoom("r", token("dup"), user("dup"), null).join().code()).isZero();
        assertThat(first.startPublishing("dup-mic", "").join().code()).isZero();
        List<Integer> kicks = new java.util.concurrent.CopyOnWriteArrayList<>();
        first.setRoomStateListener((room, reason, code, extended) -> {
            if (reason.equals("KICKOUT")) {
                kicks.add(code);
            }
        });
        ParleyEngine second = rig.engine(2);
        // Another room, placed on node 2 (where this login arrives): the kick crosses nodes.
        assertThat(second.loginRoom("r2", token("dup"), user("dup"), null).join().code()).isZero();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(kicks).containsExactly(ErrorCode.KICKED_MULTIPLE_LOGIN));
        // On node 0 the kicked user left its room and its stream is gone (seen by a member there).
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(watcher.roomUsers()).doesNotContain("dup");
            assertThat(rig.node(0).server().rooms().app(TestServer.APP).sessionOf("dup")).isNull();
        });
        assertThat(rig.redisCommands().get("parley:" + TestServer.APP + ":stream:dup-mic")).isNull();
        // And the streamID is free again, for the winner on node 2.
        assertThat(second.startPublishing("dup-mic", "").join().code()).isZero();
    }
}
