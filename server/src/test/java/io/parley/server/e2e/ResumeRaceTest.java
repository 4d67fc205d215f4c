package io.parley.server.e2e;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static io.parley.server.e2e.ResumeProtocolTest.login;
import static io.parley.server.e2e.ResumeProtocolTest.resume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.ParleyEngine;
import io.parley.protocol.ErrorCode;
import io.parley.server.RawClient;
import io.parley.server.TestServer;
import io.parley.server.config.ParleyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;

/** Resumes of one session racing fresh logins of the same userID: exactly one session is left, on one connection. */
class ResumeRaceTest {
    private static final int RESUMERS = 4;
    private static final int LOGINS = 4;
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(TestServer.config().withSession(new ParleyConfig.Session(Duration.ofSeconds(1), Duration.ofSeconds(30))));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private record Racer(RawClient client, boolean resume, JsonNode[] answer) {
        boolean loggedIn() {
            JsonNode a = answer[0];
            return a != null && a.path("code").asInt() == 0 && client.ws().isOpen();
        }
    }

    @RepeatedTest(5)
    void resumesRacingNewLoginsOfTheSameUserIdLeaveExactlyOneSession() throws Exception {
        try (ParleyEngine watcher = server.engine()) {
            watcher.loginRoom("race", token("watcher"), user("watcher"), withUserUpdates()).get();
            RawClient first = server.raw();
            JsonNode l = first.call("1", "loginRoom", login("twin", "race")).path("data");
            String resumeData = resume(TestServer.APP, "race", "twin", l.path("sessionID").asText(),
                    l.path("resumeToken").asText(), 0);
            first.ws().abort(); // a drop: the session waits for its client
            await().until(() -> !first.ws().isOpen());
            List<Racer> racers = new ArrayList<>();
            for (int i = 0; i < RESUMERS + LOGINS; i++) {
                racers.add(new Racer(server.raw(), i % 2 == 0, new JsonNode[1]));
            }
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(racers.size());
            try {
                List<Future<?>> done = new ArrayList<>();
                for (Racer r : racers) {
                    done.add(pool.submit(() -> {
                        go.await();
                        r.answer[0] = r.resume ? r.client.call("1", "resumeSession", resumeData)
                                : r.client.call("1", "loginRoom", login("twin", "race"));
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            for (Racer r : racers) {
                // Every answer is a success or a code that sends the client to log in again; nothing else.
                assertThat(r.answer[0].path("code").asInt()).as(r.answer[0].toString())
                        .isIn(0, ErrorCode.HEARTBEAT_TIMEOUT, ErrorCode.KICKED_MULTIPLE_LOGIN);
            }
            // Losers that were answered 0 are then told KICKOUT and closed: wait for the dust to settle on one.
            await().atMost(Duration.ofSeconds(15)).until(() -> racers.stream().filter(Racer::loggedIn).count() == 1);
            Racer winner = racers.stream().filter(Racer::loggedIn).findFirst().orElseThrow();
            String winnerSession = winner.answer[0].path("data").path("sessionID").asText();
            assertThat(Long.toString(server.server().rooms().app(TestServer.APP).sessionOf("twin").id())).isEqualTo(winnerSession);
            // The one left works as a session; every other connection is closed or was never let in.
            assertThat(winner.client.call("2", "stopPublishing", "{\"streamID\":\"none\"}").path("code").asInt())
                    .isEqualTo(ErrorCode.PUBLISH_STREAM_NOT_FOUND);
            for (Racer r : racers) {
                if (r != winner && r.client.ws().isOpen()) {
                    assertThat(r.answer[0].path("code").asInt()).isNotZero();
                    assertThat(r.client.call("2", "stopPublishing", "{\"streamID\":\"none\"}").path("code").asInt())
                            .isEqualTo(ErrorCode.NOT_LOGGED_IN);
                }
            }
            assertThat(server.server().rooms().snapshot(TestServer.APP, "race").join().userIds())
                    .containsExactlyInAnyOrder("watcher", "twin");
            await().until(() -> watcher.roomUsers().equals(List.of("twin")));
            for (Racer r : racers) {
                r.client.close();
            }
        }
    }
}
