package io.parley.server.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.parley.client.ParleyEngine;
import io.parley.server.TestServer;
import io.parley.server.cluster.RedisProcess;
import io.parley.server.config.ParleyConfig;
import io.parley.server.metrics.Scrape;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL of a cluster node (a real process): within cluster.leaseTime every key it held in Redis is gone by
 * itself (registry entry, its users' and streams' claims), and its users log in again on a surviving node at once.
 */
class ClusterKillProcessTest {
    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final String SECRET = "kill-test-relay-secret-0123456789";
    private static final Duration START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void aKilledNodesKeysVanishWithinTheLeaseAndItsUsersLogInElsewhere() throws Exception {
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create(redis.url());
            try (StatefulRedisConnection<String, String> c = client.connect();
                 TestServer survivor = TestServer.start(TestServer.config().withCluster(
                         new ParleyConfig.Cluster(redis.url(), "survivor", LEASE, "127.0.0.1", SECRET, 0)))) {
                RedisCommands<String, String> r = c.sync();
                Path config = ServerProcess.writeConfig(dir, """
                        server: {host: 127.0.0.1, port: 0, ioThreads: 2}
                        media: {port: 0, bindAddress: 127.0.0.1, announcedAddress: 127.0.0.1}
                        rtmp: {port: 0, bindHost: 127.0.0.1}
                        api: {host: 127.0.0.1, port: 0}
                        cluster: {redisUrl: "%s", nodeId: victim, leaseTime: %dms, secret: "%s"}
                        apps:
                          - {appId: %d, secret: "%s"}
                        """.formatted(redis.url(), LEASE.toMillis(), SECRET, TestServer.APP, TestServer.SECRET));
                try (ServerProcess victim = ServerProcess.start(config, Map.of("PARLEY_LOG_LEVEL", "INFO",
                        "PARLEY_API_PORT", "0", "PARLEY_RTMP_PORT", "0"))) {
                    await().atMost(START).until(() -> victim.port() > 0 || !victim.process().isAlive());
                    assertThat(victim.process().isAlive()).as("victim started:\n%s", victim.output()).isTrue();
                    await().atMost(START).until(() -> Scrape.get(victim.port(), "/readyz").statusCode() == 200);
                    try (ParleyEngine alice = ParleyEngine.create(TestServer.APP, URI.create("ws://127.0.0.1:" + victim.port() + "/ws"))) {
                        assertThat(alice.loginRoom("r", TestServer.token("alice"), TestServer.user("alice"), null).join().code()).isZero();
                        assertThat(alice.startPublishing("alice-mic", "").join().code()).isZero();
                        assertThat(victimKeys(r)).contains("parley:node:victim", "parley:" + TestServer.APP + ":user:alice",
                                "parley:" + TestServer.APP + ":stream:alice-mic");
                        victim.process().destroyForcibly(); // SIGKILL: no shutdown hook, no clean-up
                        assertThat(victim.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                        long killed = System.nanoTime();
                        // Its users come back on a surviving node at once: nobody there to kick, so nothing to wait for.
                        try (ParleyEngine again = ParleyEngine.create(TestServer.APP, URI.create("ws://127.0.0.1:"
                                + survivor.server().port() + "/ws"))) {
                            assertThat(again.loginRoom("r", TestServer.token("alice"), TestServer.user("alice"), null)
                                    .join().code()).isZero();
                            await().atMost(LEASE.plusSeconds(3)).pollInterval(Duration.ofMillis(100))
                                    .untilAsserted(() -> assertThat(victimKeys(r)).isEmpty());
                            assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(LEASE.plusSeconds(3));
                            assertThat(r.get("parley:" + TestServer.APP + ":user:alice")).contains("#survivor/");
                            // Its room runs on the survivor now: the placement naming the dead node was taken over.
                            assertThat(r.get("parley:" + TestServer.APP + ":room:r")).contains("#survivor/");
                            assertThat(survivor.server().rooms().snapshot(TestServer.APP, "r").join().userIds())
                                    .containsExactly("alice");
                            // The streamID is free for anyone again.
                            assertThat(again.startPublishing("alice-mic", "").join().code()).isZero();
                        }
                    }
                }
            } finally {
                client.shutdown();
            }
        }
    }

    /** Every key that names the victim: its registry entry, and every claim whose owner is one of its holders. */
    private static List<String> victimKeys(RedisCommands<String, String> r) {
        List<String> out = new ArrayList<>();
        for (String k : r.keys("parley:*")) {
            String v = r.get(k);
            if (k.equals("parley:node:victim") || (v != null && v.contains("#victim/"))) {
                out.add(k);
            }
        }
        return out;
    }

    @Test
    void aNodeThatCannotReachItsRedisExitsAtOnceWithOneLine() throws Exception {
        int closed;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = probe.getLocalPort();
        }
        Path config = ServerProcess.writeConfig(dir, """
                server: {host: 127.0.0.1, port: 0, ioThreads: 2}
                media: {port: 0, bindAddress: 127.0.0.1, announcedAddress: 127.0.0.1}
                cluster: {redisUrl: "redis://:hunter2@127.0.0.1:%d", secret: "%s"}
                apps:
                  - {appId: %d, secret: "%s"}
                """.formatted(closed, SECRET, TestServer.APP, TestServer.SECRET));
        try (ServerProcess p = ServerProcess.start(config, Map.of("PARLEY_API_PORT", "0", "PARLEY_RTMP_PORT", "0"))) {
            assertThat(p.process().waitFor(START.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).as("exited:\n%s", p.output())
                    .isTrue();
            assertThat(p.process().exitValue()).as(p.output()).isEqualTo(2);
            assertThat(p.output()).contains("parley: cluster.redisUrl redis://<redacted>@127.0.0.1:" + closed + ": cannot reach Redis")
                    .doesNotContain("hunter2").doesNotContain("\tat io.parley");
        }
    }
}
