package io.parley.server.cluster;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.parley.server.config.ParleyConfig;
import io.parley.server.room.ClaimStore;
import io.parley.server.room.RoomService;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership of a cluster (cluster.redisUrl set): the Redis link, the node registry entry (heartbeat
 * with TTL = cluster.leaseTime: incarnation, advertised address, load) and the claim store. Lifecycle:
 * {@code start → running → closed}; while Redis is away it keeps running, reports not ready, and catches up by
 * itself when Redis is back.
 */
public final class Cluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Cluster.class);

    /** A live node as the registry shows it; {@code relayPort} 0 until its gateway is bound. */
    public record Node(String id, String incarnation, String advertise, int load, int relayPort) {}

    private final ParleyConfig.Cluster config;
    private final ClusterKeys keys;
    private final String advertise;
    private final RedisLink redis;
    private final ScheduledExecutorService timer;
    private final IntSupplier[] load = {() -> 0};
    private volatile ClusterClaims claims;
    private volatile ClusterRooms rooms;
    private volatile int relayPort;
    private volatile long lastBeatNanos;
    private volatile boolean conflict;
    private volatile boolean up = true;

    private Cluster(ParleyConfig.Cluster config, String nodeId, String advertise) {
        this.config = config;
        this.keys = new ClusterKeys(nodeId, UUID.randomUUID().toString().substring(0, 8));
        this.advertise = advertise;
        this.redis = RedisLink.connect(config.redisUrl(), ClusterKeys.channel(nodeId), (ch, msg) -> {
            ClusterClaims c = claims;
            if (c != null) {
                c.onMessage(msg);
            }
        });
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "parley-cluster");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Joins the cluster: connects to Redis and registers this node. Fails with a message naming the problem when
     * Redis cannot be reached now or another live node already uses this nodeId.
     */
    public static Cluster start(ParleyConfig.Cluster config, String defaultAdvertise) {
        String nodeId = config.nodeId().isEmpty() ? hostName() : config.nodeId();
        String advertise = config.advertise().isEmpty() ? defaultAdvertise : config.advertise();
        Cluster c;
        try {
            c = new Cluster(config, nodeId, advertise);
        } catch (RuntimeException e) {
            throw new ClusterStartException("cluster.redisUrl " + redacted(config.redisUrl()) + ": cannot reach Redis ("
                    + e.getMessage() + ")", e);
        }
        try {
            String holder = c.beat().get(RedisLink.COMMAND_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
            if (!holder.isEmpty()) {
                throw new ClusterStartException("cluster.nodeId '" + nodeId + "' is already used by another live node ("
                        + holder + "): give each node its own nodeId, or wait cluster.leaseTime after the old one died", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.close();
            throw new ClusterStartException("interrupted while joining the cluster", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            c.close();
            if (e instanceof ClusterStartException cse) {
                throw cse;
            }
            throw new ClusterStartException("cluster.redisUrl " + redacted(config.redisUrl()) + ": Redis did not answer ("
                    + e + ")", e);
        }
        long period = Math.max(100, config.leaseTime().toMillis() / 3);
        c.timer.scheduleWithFixedDelay(c::tick, period, period, TimeUnit.MILLISECONDS);
        log.info("cluster: node {} (incarnation {}, advertise {}) joined via {}, lease {}", nodeId, c.keys.incarnation(),
                advertise, redacted(config.redisUrl()), config.leaseTime());
        return c;
    }

    /** The claim store of a cluster node, over this node's in-memory one ({@code local}). */
    public ClaimStore claims(ClaimStore local) {
        ClusterClaims c = new ClusterClaims(local, redis, keys, config.leaseTime());
        this.claims = c;
        return c;
    }

    /**
     * The room directory of a cluster node (placement on Redis, see {@link ClusterRooms}), over this node's in-memory
     * one ({@code local}).
     */
    public io.parley.server.room.RoomDirectory rooms(io.parley.server.room.RoomDirectory local) {
        ClusterRooms r = new ClusterRooms(local, redis, keys, config.leaseTime(),
                new io.parley.server.gateway.RelayAuth(config.secret(), java.time.Clock.systemUTC()),
                () -> load[0].getAsInt());
        this.rooms = r;
        return r;
    }

    /** Where this node's gateway sends sessions that belong on another node; null before {@link #rooms}. */
    public io.parley.server.gateway.RelayRouter router() {
        return rooms;
    }

    /**
     * The gateway is bound: other nodes may relay sessions to it on {@code port} (cluster.relayPort when set); the
     * registry entry says so from now on.
     */
    public void gatewayBound(int port) {
        this.relayPort = config.relayPort() > 0 ? config.relayPort() : port;
        try {
            // On the timer's thread, in turn with the heartbeats; waited for, so the entry is out before traffic.
            timer.submit(this::tick).get(RedisLink.COMMAND_TIMEOUT.toMillis() * 3, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("cluster: registry entry with the relay port not written yet ({}): the next heartbeat writes it", e.toString());
        }
    }

    /** Plugs in the registry (kicks from other nodes, load); before the server takes traffic. */
    public void attach(RoomService rooms) {
        ClusterClaims c = claims;
        if (c != null) {
            c.attach(rooms::supersede);
        }
        load[0] = () -> {
            int n = 0;
            for (var app : rooms.apps()) {
                n += app.userCount();
            }
            return n;
        };
    }

    public String nodeId() {
        return keys.node();
    }

    public String advertise() {
        return advertise;
    }

    /** Redis answers and this node's registry entry is fresh: it may take logins and publishes that need Redis. */
    public boolean ready() {
        return redis.open() && !conflict && System.nanoTime() - lastBeatNanos < config.leaseTime().toNanos();
    }

    /** Why {@link #ready()} is false, for /readyz; null when ready. */
    public String notReadyReason() {
        if (conflict) {
            return "cluster: another live node uses nodeId '" + keys.node() + "'";
        }
        return ready() ? null : "cluster: Redis unavailable";
    }

    /** The nodes in the registry right now (a SCAN: for operators and placement, not for hot paths). */
    public List<Node> nodes() throws ExecutionException, InterruptedException, TimeoutException {
        List<Node> out = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = redis.async().scan(cursor, ScanArgs.Builder.matches(ClusterKeys.nodeKey("*")).limit(100))
                    .get(RedisLink.COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            for (String key : page.getKeys()) {
                String v = redis.async().get(key).get(RedisLink.COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                String[] f = v == null ? null : v.split("\\|");
                if (f != null && f.length >= 3) {
                    out.add(new Node(key.substring(ClusterKeys.nodeKey("").length()), f[0], f[1], Integer.parseInt(f[2]),
                            f.length >= 5 ? Integer.parseInt(f[4]) : 0));
                }
            }
            cursor = page;
        } while (!cursor.isFinished());
        return out;
    }

    private void tick() {
        try {
            beat().whenComplete((holder, err) -> {
                if (err != null) {
                    if (up) {
                        up = false;
                        log.warn("cluster: Redis unavailable ({}): logins and publishes are refused until it is back;"
                                + " sessions and calls in progress go on", err.toString());
                    }
                } else if (!holder.isEmpty()) {
                    if (!conflict) {
                        log.error("cluster: another live node took nodeId '{}' ({}): this node reports not ready", keys.node(), holder);
                    }
                    conflict = true;
                } else {
                    conflict = false;
                    if (!up) {
                        up = true;
                        log.info("cluster: Redis is back: node {} registered again, claims renewed", keys.node());
                    }
                }
            });
            ClusterClaims c = claims;
            if (c != null && redis.open()) {
                c.renew();
            }
            ClusterRooms r = rooms;
            if (r != null && redis.open()) {
                r.renew();
                try {
                    r.registry(nodes());
                } catch (ExecutionException | TimeoutException e) {
                    log.debug("cluster: registry not read ({})", e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        } catch (RuntimeException e) {
            log.warn("cluster: heartbeat failed", e);
        }
    }

    /** Writes this node's registry entry; completes with '' or, when another incarnation holds the nodeId, its value. */
    private java.util.concurrent.CompletableFuture<String> beat() {
        String value = keys.incarnation() + "|" + advertise + "|" + load[0].getAsInt() + "|" + System.currentTimeMillis()
                + "|" + relayPort;
        long started = System.nanoTime();
        return redis.<String>eval(Script.HEARTBEAT, ScriptOutputType.VALUE, new String[] {ClusterKeys.nodeKey(keys.node())},
                keys.incarnation(), value, Long.toString(config.leaseTime().toMillis())).toCompletableFuture()
                .thenApply(holder -> {
                    if (holder == null || holder.isEmpty()) {
                        lastBeatNanos = started;
                        return "";
                    }
                    return holder;
                });
    }

    /** The claims this node holds in Redis (for tests and metrics). */
    public int claimsHeld() {
        ClusterClaims c = claims;
        return c == null ? 0 : c.held();
    }

    /** Leaves the cluster: stops the heartbeat and removes this node's registry entry (its claims are released by
     * the sessions that close, or expire with their lease). */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            redis.<Long>eval(Script.RELEASE_NODE, ScriptOutputType.INTEGER, new String[] {ClusterKeys.nodeKey(keys.node())},
                    keys.incarnation()).toCompletableFuture().get(RedisLink.COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.debug("cluster: registry entry of {} left to its lease ({})", keys.node(), e.toString());
        }
        redis.close();
    }

    static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "node-" + UUID.randomUUID().toString().substring(0, 8);
        }
    }

    /** A Redis URL for logs: without the password. */
    static String redacted(String url) {
        return url.replaceFirst("//[^@/]*@", "//<redacted>@");
    }
}
