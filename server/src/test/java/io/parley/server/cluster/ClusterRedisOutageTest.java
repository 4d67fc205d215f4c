package io.parley.server.cluster;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.protocol.ErrorCode;
import io.parley.server.TestServer;
import io.parley.server.metrics.Scrape;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Redis goes away under a running cluster and comes back empty: logins and publishes are refused at once with
 * clear codes, /readyz says why, members already in rooms carry on, and the node recovers by itself (its registry
 * entry and its members' claims are back in Redis, new logins work).
 */
class ClusterRedisOutageTest {
    @Test
    void redisAwayRefusesLoginsAndPublishesFastWhileCallsGoOnThenTheNodeRecovers() throws Exception {
        try (ClusterRig rig = ClusterRig.start(2, Duration.ofSeconds(3))) {
            TestServer node = rig.node(0);
            ParleyEngine alice = rig.engine(0);
            ParleyEngine bob = rig.engine(0);
            assertThat(alice.loginRoom("call", token("alice"), user("alice"), TestServer.withUserUpdates()).join().code()).isZero();
            assertThat(alice.startPublishing("alice-mic", "").join().code()).isZero();
            assertThat(bob.loginRoom("call", token("bob"), user("bob"), TestServer.withUserUpdates()).join().code()).isZero();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(bob.roomStreams()).contains("alice-mic"));
            assertThat(Scrape.get(node.server().managementPort(), "/readyz").statusCode()).isEqualTo(200);

            rig.redis.stop();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                HttpResponse<String> r = Scrape.get(node.server().managementPort(), "/readyz");
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(r.body()).contains("not ready: cluster: Redis unavailable");
            });
            ParleyEngine carol = rig.engine(0);
            long t0 = System.nanoTime();
            Result refused = carol.loginRoom("call", token("carol"), user("carol"), null).get(10, java.util.concurrent.TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(refused.code()).isEqualTo(ErrorCode.LOGIN_CLUSTER_UNAVAILABLE);
            assertThat(refused.message()).contains("cluster store (Redis) is unavailable");
            assertThat(took).as("refused at once, not held").isLessThan(RedisLink.COMMAND_TIMEOUT.plusSeconds(2));
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(carol.roomState()).isEqualTo("LOGIN_FAILED");
                assertThat(carol.lastErrorCode()).isEqualTo(ErrorCode.LOGIN_CLUSTER_UNAVAILABLE);
            });
            Result noPublish = bob.startPublishing("bob-mic", "").get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(noPublish.code()).isEqualTo(ErrorCode.PUBLISH_CLUSTER_UNAVAILABLE);
            // The call in progress goes on: both stay in the room, the room's own requests still work.
            assertThat(alice.sendBroadcastMessage("call", "still here").join().code()).isZero();
            assertThat(alice.roomState()).isEqualTo("LOGINED");
            assertThat(bob.roomState()).isEqualTo("LOGINED");
            assertThat(bob.roomStreams()).contains("alice-mic");

            rig.redis.restart(); // empty: everything this node held must be written again
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(Scrape.get(node.server().managementPort(), "/readyz").statusCode()).isEqualTo(200));
            var redis = rig.redisCommands();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(redis.get("parley:" + TestServer.APP + ":user:alice")).contains("#node-0/");
                assertThat(redis.get("parley:" + TestServer.APP + ":user:bob")).contains("#node-0/");
                assertThat(redis.get("parley:" + TestServer.APP + ":stream:alice-mic")).contains("#node-0/");
                assertThat(redis.exists("parley:node:node-0", "parley:node:node-1")).isEqualTo(2L);
            });
            assertThat(carol.loginRoom("call", token("carol"), user("carol"), null).get(10, java.util.concurrent.TimeUnit.SECONDS)
                    .code()).isZero();
            assertThat(bob.startPublishing("bob-mic", "").join().code()).isZero();
            // The userID rule holds across the outage: alice logging in on the other node still kicks her here.
            ParleyEngine alice2 = rig.engine(1);
            assertThat(alice2.loginRoom("call", token("alice"), user("alice"), null).join().code()).isZero();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(alice.roomState()).isEqualTo("KICKOUT"));
            assertThat(UniquenessHistory.violations(rig.history())).isEmpty();
        }
    }
}
