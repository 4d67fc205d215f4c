package io.parley.server.cluster;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.parley.client.ParleyEngine;
import io.parley.server.TestServer;
import io.parley.server.config.ParleyConfig;
import io.parley.server.room.RoomEvent;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One redis-server and N Parley nodes (in this JVM, each on its own ports) joined into one cluster, with a history of
 * every node's room events (timestamped with this JVM's monotonic clock, so that events of different nodes compare)
 * and a plain Redis client for looking at the keys.
 */
final class ClusterRig implements AutoCloseable {
    /** One room event as it happened on a node. */
    record Happened(long nanos, String node, RoomEvent event) {}

    /** The cluster.secret every node of the rig shares. */
    static final String SECRET = "rig-relay-secret-0123456789abcdef";

    final RedisProcess redis;
    final List<TestServer> nodes = new ArrayList<>();
    final ConcurrentLinkedQueue<Happened> history = new ConcurrentLinkedQueue<>();
    final List<ParleyEngine> engines = new ArrayList<>();
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    final Duration lease;

    private ClusterRig(RedisProcess redis, Duration lease) {
        this.redis = redis;
        this.lease = lease;
        this.client = RedisClient.create(redis.url());
        this.connection = client.connect();
    }

    static ClusterRig start(int n, Duration lease) throws Exception {
        ClusterRig rig = new ClusterRig(RedisProcess.start(), lease);
        try {
            for (int i = 0; i < n; i++) {
                rig.addNode("node-" + i);
            }
        } catch (Exception | AssertionError e) {
            rig.close();
            throw e;
        }
        return rig;
    }

    ParleyConfig config(String nodeId) {
        return TestServer.config().withCluster(new ParleyConfig.Cluster(redis.url(), nodeId, lease, "127.0.0.1", SECRET, 0));
    }

    TestServer addNode(String nodeId) throws InterruptedException {
        return addNode(nodeId, java.util.function.UnaryOperator.identity());
    }

    /** A node whose configuration {@code tweak} changes (e.g. tighter gateway limits). */
    TestServer addNode(String nodeId, java.util.function.UnaryOperator<ParleyConfig> tweak) throws InterruptedException {
        TestServer s = TestServer.start(tweak.apply(config(nodeId)));
        s.server().rooms().subscribe(e -> history.add(new Happened(System.nanoTime(), nodeId, e)));
        nodes.add(s);
        return s;
    }

    TestServer node(int i) {
        return nodes.get(i);
    }

    ParleyEngine engine(int node) {
        ParleyEngine e = ParleyEngine.create(TestServer.APP, URI.create("ws://127.0.0.1:" + nodes.get(node).server().port() + "/ws"));
        synchronized (engines) {
            engines.add(e);
        }
        return e;
    }

    RedisCommands<String, String> redisCommands() {
        return connection.sync();
    }

    List<Happened> history() {
        return new ArrayList<>(history).stream().sorted(java.util.Comparator.comparingLong(Happened::nanos)).toList();
    }

    @Override
    public void close() {
        synchronized (engines) {
            engines.forEach(ParleyEngine::close);
        }
        nodes.forEach(TestServer::close);
        connection.close();
        client.shutdown();
        redis.close();
    }
}
