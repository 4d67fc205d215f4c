package io.parley.server.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.Messages;
import io.parley.server.Pushes;
import io.parley.server.TestServer;
import io.parley.server.metrics.Scrape;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM on a real server process: readiness drops, logins are refused, members are told, the process exits 0. */
class DrainProcessTest {
    private static final Duration START = Duration.ofSeconds(30);
    private static final Duration MARGIN = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private ServerProcess start(Duration drainTimeout) throws Exception {
        Path config = ServerProcess.writeConfig(dir, """
                server: {host: 127.0.0.1, port: 0, ioThreads: 2}
                media: {port: 0, bindAddress: 127.0.0.1, announcedAddress: 127.0.0.1}
                rtmp: {port: 0, bindHost: 127.0.0.1}
                api: {host: 127.0.0.1, port: 0}
                shutdown: {drainTimeout: %s}
                apps:
                  - {appId: %d, secret: "%s"}
                """.formatted(drainTimeout.toMillis() + "ms", TestServer.APP, TestServer.SECRET));
        ServerProcess p = ServerProcess.start(config, Map.of("PARLEY_LOG_LEVEL", "INFO"));
        await().atMost(START).until(() -> p.port() > 0 || !p.process().isAlive());
        assertThat(p.process().isAlive()).as("server process started:\n%s", p.output()).isTrue();
        await().atMost(START).until(() -> Scrape.get(p.port(), "/readyz").statusCode() == 200);
        return p;
    }

    private static ParleyEngine engine(ServerProcess p) {
        return ParleyEngine.create(TestServer.APP, URI.create("ws://127.0.0.1:" + p.port() + "/ws"));
    }

    private static Result login(ParleyEngine e, String user) throws Exception {
        return e.loginRoom("drain-room", TestServer.token(user), TestServer.user(user), TestServer.withUserUpdates())
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void sigtermDrainsThenKicksWhoIsLeftAndExitsZero() throws Exception {
        Duration drain = Duration.ofSeconds(3);
        try (ServerProcess p = start(drain); ParleyEngine alice = engine(p); ParleyEngine bob = engine(p)) {
            Pushes pushes = Pushes.on(alice);
            assertThat(login(alice, "alice").code()).isZero();
            long sent = System.currentTimeMillis();

            p.process().destroy(); // SIGTERM

            Pushes.Push notice = pushes.await(Drain.SERVER_DRAINING, x -> true);
            long deadline = notice.data().path("deadline").asLong();
            assertThat(deadline).isBetween(sent + drain.toMillis() - 1000, sent + drain.toMillis() + 5000);
            assertThat(Scrape.get(p.port(), "/readyz").statusCode()).isEqualTo(503);
            assertThat(Scrape.get(p.port(), "/healthz").statusCode()).isEqualTo(200);
            Result refused = login(bob, "bob");
            assertThat(refused.code()).isEqualTo(ErrorCode.SERVER_DRAINING);
            assertThat(refused.message()).contains("shutting down");

            // alice stays: at the deadline she is kicked, told why, and the process exits 0.
            Pushes.Push kick = await().atMost(drain.plus(MARGIN)).until(
                    () -> pushes.named(Messages.ROOM_STATE_CHANGED).stream()
                            .filter(x -> x.data().path("reason").asText().equals("KICKOUT")).findFirst().orElse(null),
                    x -> x != null);
            assertThat(kick.data().path("errorCode").asInt()).isEqualTo(ErrorCode.KICKED_BY_SERVER);
            assertThat(kick.data().path("extendedData").asText()).contains("server_shutdown");
            assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(deadline - 100);

            assertThat(p.process().waitFor(MARGIN.toMillis(), TimeUnit.MILLISECONDS))
                    .as("exited within the deadline + %s:\n%s", MARGIN, p.output()).isTrue();
            assertThat(p.process().exitValue()).as(p.output()).isZero();
            assertThat(p.outputContains("drain deadline passed: kicking 1 members")).as(p.output()).isTrue();
        }
    }

    @Test
    void theDrainEndsAsSoonAsTheRoomsAreEmpty() throws Exception {
        Duration drain = Duration.ofSeconds(60);
        try (ServerProcess p = start(drain); ParleyEngine alice = engine(p)) {
            Pushes pushes = Pushes.on(alice);
            assertThat(login(alice, "alice").code()).isZero();
            long sigterm = System.nanoTime();
            p.process().destroy();
            pushes.await(Drain.SERVER_DRAINING, x -> true);
            assertThat(alice.logoutRoom().get(10, TimeUnit.SECONDS).code()).isZero(); // the client moves on

            assertThat(p.process().waitFor(MARGIN.toMillis(), TimeUnit.MILLISECONDS))
                    .as("exited well before the 60s deadline:\n%s", p.output()).isTrue();
            assertThat(p.process().exitValue()).as(p.output()).isZero();
            assertThat(Duration.ofNanos(System.nanoTime() - sigterm)).isLessThan(drain);
            assertThat(pushes.named(Messages.ROOM_STATE_CHANGED).stream()
                    .noneMatch(x -> x.data().path("reason").asText().equals("KICKOUT"))).isTrue();
        }
    }

    @Test
    void aBadConfigExitsTwoNamingTheKey() throws Exception {
        Path config = ServerProcess.writeConfig(dir, "server:\n  prot: 1\n");
        try (ServerProcess p = ServerProcess.start(config, Map.of())) {
            assertThat(p.process().waitFor(START.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(p.process().exitValue()).isEqualTo(2);
            await().atMost(Duration.ofSeconds(5)).until(() -> p.outputContains("server.prot: unknown key"));
        }
    }
}
