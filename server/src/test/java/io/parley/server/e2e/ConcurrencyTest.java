package io.parley.server.e2e;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.protocol.ErrorCode;
import io.parley.server.TestServer;
import io.parley.server.room.RoomSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Races that real deployments see: many logins of one userID, many publishers of one streamID, at the same
 * moment from many connections. Afterwards the registry holds exactly one winner and every survivor's view of
 * the room (built only from pushes) equals the room.
 */
class ConcurrencyTest {
    private static final int CLIENTS = 24;
    private TestServer server;
    private final List<ParleyEngine> engines = new ArrayList<>();
    private final ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start();
    }

    @AfterEach
    void stop() {
        engines.forEach(ParleyEngine::close);
        pool.shutdownNow();
        server.close();
    }

    private ParleyEngine engine() {
        ParleyEngine e = server.engine();
        engines.add(e);
        return e;
    }

    /** Runs one action per engine, all released at the same moment. */
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
                return action.apply(e).join();
            }, pool));
        }
        go.countDown();
        return results.stream().map(f -> f.orTimeout(20, TimeUnit.SECONDS).join()).toList();
    }

    private RoomSnapshot snapshot(String room) {
        return server.server().rooms().snapshot(TestServer.APP, room).join();
    }

    /** Every member's pushed view equals the room without themselves. */
    private void assertNoStaleViews(String room, List<ParleyEngine> members, List<String> memberIds) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            RoomSnapshot snap = snapshot(room);
            for (int i = 0; i < members.size(); i++) {
                Set<String> expectedUsers = new HashSet<>(snap.userIds());
                expectedUsers.remove(memberIds.get(i));
                assertThat(new HashSet<>(members.get(i).roomUsers())).as("users seen by %s", memberIds.get(i))
                        .isEqualTo(expectedUsers);
            }
        });
    }

    @RepeatedTest(3)
    void manyLoginsOfOneUserIdLeaveExactlyOneSession() throws Exception {
        List<ParleyEngine> observers = new ArrayList<>();
        List<String> observerIds = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ParleyEngine o = engine();
            assertThat(o.loginRoom("race", token("obs" + i), user("obs" + i), withUserUpdates()).get().code()).isZero();
            observers.add(o);
            observerIds.add("obs" + i);
        }
        List<ParleyEngine> racers = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            racers.add(engine());
        }
        // Half race into the observed room, half into other rooms: cross-room kicks too.
        Map<ParleyEngine, Integer> publishCodes = new ConcurrentHashMap<>();
        List<Result> results = together(racers, e -> {
            int i = racers.indexOf(e);
            String room = i % 2 == 0 ? "race" : "elsewhere-" + (i % 3);
            // A session kicked right after its login loses its connection with its publish request in flight: that,
            // and only that, counts as kicked; any other failure (a timeout above all) fails the test.
            return e.loginRoom(room, token("twin"), user("twin"), withUserUpdates())
                    .thenCompose(r -> r.ok() ? e.startPublishing("twin-" + i, "").thenApply(p -> {
                        publishCodes.put(e, p.code());
                        return r;
                    }) : CompletableFuture.completedFuture(r))
                    .exceptionally(gone -> {
                        Throwable cause = gone instanceof CompletionException && gone.getCause() != null ? gone.getCause() : gone;
                        if (cause instanceof IllegalStateException && String.valueOf(cause.getMessage()).contains("kicked_multiple_login")) {
                            return new Result(ErrorCode.KICKED_MULTIPLE_LOGIN, cause.getMessage(), null);
                        }
                        throw new AssertionError("twin " + i + " failed otherwise than by a kick", cause);
                    });
        });
        assertThat(results).allSatisfy(r -> assertThat(r.code()).isIn(0, ErrorCode.KICKED_MULTIPLE_LOGIN));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            long logined = racers.stream().filter(e -> e.roomState().equals("LOGINED")).count();
            assertThat(logined).as("engines still logged in").isEqualTo(1);
        });
        ParleyEngine winner = racers.stream().filter(e -> e.roomState().equals("LOGINED")).findFirst().orElseThrow();
        assertThat(server.server().rooms().app(TestServer.APP).sessionOf("twin")).isNotNull();
        // Exactly one "twin" across all rooms, and at most one of its streams survives (the winner's).
        int twins = 0;
        List<String> rooms = List.of("race", "elsewhere-0", "elsewhere-1", "elsewhere-2");
        for (String room : rooms) {
            twins += (int) snapshot(room).userIds().stream().filter("twin"::equals).count();
        }
        assertThat(twins).isEqualTo(1);
        // The winner's stream, if its publish got through, is the only one left; every kicked twin's is deleted.
        int expectedStreams = publishCodes.getOrDefault(winner, -1) == 0 ? 1 : 0;
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(server.server().rooms().streamCount()).isEqualTo(expectedStreams));
        List<ParleyEngine> all = new ArrayList<>(observers);
        List<String> ids = new ArrayList<>(observerIds);
        if (winner.roomId().equals("race")) {
            all.add(winner);
            ids.add("twin");
        }
        assertNoStaleViews("race", all, ids);
        await().untilAsserted(() -> {
            Set<String> streamsInRoom = new HashSet<>(snapshot("race").streamIds());
            for (ParleyEngine o : observers) {
                assertThat(new HashSet<>(o.roomStreams())).isEqualTo(streamsInRoom);
            }
        });
    }

    @RepeatedTest(3)
    void manyPublishersOfOneStreamIdLeaveExactlyOnePublisher() throws Exception {
        List<ParleyEngine> publishers = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            ParleyEngine e = engine();
            String room = i % 2 == 0 ? "stage" : "stage-b";
            assertThat(e.loginRoom(room, token("p" + i), user("p" + i), withUserUpdates()).get().code()).isZero();
            publishers.add(e);
            ids.add("p" + i);
        }
        List<Result> results = together(publishers, e -> e.startPublishing("the-one", "x"));
        assertThat(results.stream().filter(Result::ok).count()).isEqualTo(1);
        assertThat(results.stream().filter(r -> !r.ok()).map(Result::code)).containsOnly(ErrorCode.STREAM_ID_DUPLICATE);
        int winner = -1;
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i).ok()) {
                winner = i;
            }
        }
        String winnerRoom = winner % 2 == 0 ? "stage" : "stage-b";
        assertThat(snapshot(winnerRoom).streamIds()).containsExactly("the-one");
        assertThat(server.server().rooms().streamCount()).isEqualTo(1);
        // Every other member of the winner's room sees exactly that stream; the other room sees none.
        int w = winner;
        await().untilAsserted(() -> {
            for (int i = 0; i < publishers.size(); i++) {
                String room = i % 2 == 0 ? "stage" : "stage-b";
                List<String> expected = room.equals(winnerRoom) && i != w ? List.of("the-one") : List.of();
                assertThat(publishers.get(i).roomStreams()).as("streams seen by p%d", i).isEqualTo(expected);
            }
        });
        List<ParleyEngine> stage = new ArrayList<>();
        List<String> stageIds = new ArrayList<>();
        for (int i = 0; i < publishers.size(); i += 2) {
            stage.add(publishers.get(i));
            stageIds.add(ids.get(i));
        }
        assertNoStaleViews("stage", stage, stageIds);
    }

    @RepeatedTest(2)
    void churnLeavesEveryViewEqualToTheRoom() throws Exception {
        List<ParleyEngine> members = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            members.add(engine());
            ids.add("c" + i);
        }
        together(members, e -> {
            int i = members.indexOf(e);
            return e.loginRoom("churn", token("c" + i), user("c" + i), withUserUpdates());
        });
        // Everyone at once: a third log out, a third publish, a third log out and back in.
        together(members, e -> {
            int i = members.indexOf(e);
            return switch (i % 3) {
                case 0 -> e.logoutRoom();
                case 1 -> e.startPublishing("c" + i + "-mic", "");
                default -> e.logoutRoom().thenCompose(r -> e.loginRoom("churn", token("c" + i), user("c" + i), withUserUpdates()));
            };
        });
        List<ParleyEngine> inRoom = new ArrayList<>();
        List<String> inIds = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            if (i % 3 != 0) {
                inRoom.add(members.get(i));
                inIds.add(ids.get(i));
            }
        }
        assertThat(new HashSet<>(snapshot("churn").userIds())).isEqualTo(new HashSet<>(inIds));
        assertNoStaleViews("churn", inRoom, inIds);
        await().untilAsserted(() -> {
            Set<String> streams = new HashSet<>(snapshot("churn").streamIds());
            for (int i = 0; i < inRoom.size(); i++) {
                Set<String> expected = new HashSet<>(streams);
                expected.remove(inIds.get(i) + "-mic");
                assertThat(new HashSet<>(inRoom.get(i).roomStreams())).isEqualTo(expected);
            }
        });
    }
}
