package io.parley.server.cluster;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.parley.client.ParleyEngine;
import io.parley.server.TestServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** cluster.* keys: each node registers itself in Redis with a lease, its address and its load; nodeIds are unique. */
class ClusterNodeRegistryTest {
    @Test
    void eachNodeHeartbeatsAKeyWithTheLeaseItsAddressAndItsLoad() throws Exception {
        try (ClusterRig rig = ClusterRig.start(2, Duration.ofSeconds(3))) {
            var redis = rig.redisCommands();
            for (String node : new String[] {"node-0", "node-1"}) {
                String v = redis.get("parley:node:" + node);
                assertThat(v).as("registry entry of %s", node).isNotNull().contains("|127.0.0.1|0|");
                assertThat(redis.pttl("parley:node:" + node)).isBetween(1L, 3000L);
            }
            assertThat(rig.node(0).server().cluster().nodes()).extracting(Cluster.Node::id)
                    .containsExactlyInAnyOrder("node-0", "node-1");
            ParleyEngine alice = rig.engine(0);
            assertThat(alice.loginRoom("r", token("alice"), user("alice"), null).get().code()).isZero();
            // The load is the node's logged-in sessions, refreshed with each heartbeat (lease / 3).
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(redis.get("parley:node:node-0").split("\\|")[2]).isEqualTo("1"));
            // The TTL keeps being renewed: well after one lease the key is still there.
            long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
                assertThat(redis.exists("parley:node:node-1")).isEqualTo(1L);
                return System.nanoTime() > until;
            });
            // A clean stop removes the entry at once.
            rig.node(1).close();
            assertThat(redis.exists("parley:node:node-1")).isZero();
            assertThat(rig.node(0).server().cluster().nodes()).extracting(Cluster.Node::id).containsExactly("node-0");
        }
    }

    @Test
    void aSecondLiveNodeWithTheSameNodeIdIsRefusedAtStart() throws Exception {
        try (ClusterRig rig = ClusterRig.start(1, Duration.ofSeconds(10))) {
            Throwable t = catchThrowable(() -> TestServer.start(rig.config("node-0")).close());
            assertThat(t).isInstanceOf(ClusterStartException.class)
                    .hasMessageContaining("cluster.nodeId 'node-0' is already used by another live node");
            assertThat(rig.node(0).server().readiness().ready()).isTrue();
        }
    }

    @Test
    void anUnreachableRedisStopsTheStartWithAClearMessage() throws Exception {
        int port;
        try (RedisProcess r = RedisProcess.start()) {
            port = r.port();
        }
        int closed = port;
        Throwable t = catchThrowable(() -> TestServer.start(TestServer.config().withCluster(new io.parley.server.config.ParleyConfig
                .Cluster("redis://:hunter2@127.0.0.1:" + closed, "n", Duration.ofSeconds(10), ""))).close());
        assertThat(t).isInstanceOf(ClusterStartException.class).hasMessageContaining("cannot reach Redis")
                .hasMessageContaining("redis://<redacted>@127.0.0.1:" + closed).hasMessageNotContaining("hunter2");
    }
}
