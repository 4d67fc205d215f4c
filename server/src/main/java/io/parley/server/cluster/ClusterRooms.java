package io.parley.server.cluster;

import io.lettuce.core.ScriptOutputType;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import io.parley.protocol.RoomId;
import io.parley.protocol.UserId;
import io.parley.server.gateway.RelayAuth;
import io.parley.server.gateway.RelayRouter;
import io.parley.server.room.Room;
import io.parley.server.room.RoomDirectory;
import io.parley.server.room.Stages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Room placement on Redis: a room lives on one node at a time, named by {@code parley:<AppID>:room:<roomID>} =
 * {@code epoch#node/incarnation} with a TTL of cluster.leaseTime, renewed while the room is open here and deleted
 * (compare-and-delete) when it closes. A login for a room nobody hosts places it ({@link Script#PLACE}: atomic, so
 * racing first logins on different nodes agree): the gateway of the node that received it on the least-loaded live node
 * ({@link #routeLogin}), the registry itself ({@link #locate}) on this node. A placement whose node left the
 * registry is taken over. The open rooms themselves stay in the embedded directory underneath.
 */
final class ClusterRooms implements RoomDirectory, RelayRouter {
    private static final Logger log = LoggerFactory.getLogger(ClusterRooms.class);
    private static final int RENEW_BATCH = 256;

    private record Key(long appId, RoomId room) {}

    private final RoomDirectory local;
    private final RedisLink redis;
    private final ClusterKeys keys;
    private final String lease;
    private final RelayAuth auth;
    private final IntSupplier ownLoad;
    /** Rooms open here whose placement this node holds (renewed until they close). */
    private final Map<Key, Room> open = new ConcurrentHashMap<>();
    /** The registry as last read (every leaseTime/3), for choosing where a new room goes. */
    private volatile List<Cluster.Node> registry = List.of();
    /** Rooms this node sent to each node since the last registry read: counted as load, so a burst of new rooms spreads. */
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> sent = new ConcurrentHashMap<>();

    ClusterRooms(RoomDirectory local, RedisLink redis, ClusterKeys keys, Duration leaseTime, RelayAuth auth, IntSupplier ownLoad) {
        this.local = local;
        this.redis = redis;
        this.keys = keys;
        this.lease = Long.toString(leaseTime.toMillis());
        this.auth = auth;
        this.ownLoad = ownLoad;
    }

    @Override
    public String nodeId() {
        return keys.node();
    }

    @Override
    public RelayAuth auth() {
        return auth;
    }

    void registry(List<Cluster.Node> nodes) {
        this.registry = List.copyOf(nodes);
        sent.clear();
    }

    int openRooms() {
        return open.size();
    }

    // ---- RoomDirectory (the registry on this node) ----

    @Override
    public CompletionStage<Placement> locate(long appId, RoomId id) {
        Room r = local.find(appId, id);
        if (r != null && !r.isClosed() && open.get(new Key(appId, id)) == r) {
            return CompletableFuture.completedFuture(new Placement(keys.node(), r));
        }
        // A login that reached the registry here: the gateway routed it here, or it is a further room of a session
        // here; a room nobody hosts opens on this node.
        return place(appId, id, keys.node(), keys.incarnation()).thenCompose(p -> {
            if (p.owner().isEmpty()) {
                throw new ProtocolException(ErrorCode.LOGIN_CLUSTER_UNAVAILABLE, "login failed: this node is not in the"
                        + " cluster registry right now (Redis restarted?): retry");
            }
            if (!p.owner().equals(keys.roomOwner())) {
                return CompletableFuture.completedFuture(new Placement(ClusterKeys.nodeOf(p.owner()), null));
            }
            return local.locate(appId, id).thenApply(pl -> {
                if (pl.room() != null) {
                    open.put(new Key(appId, id), pl.room());
                }
                return pl;
            });
        });
    }

    @Override
    public Room find(long appId, RoomId id) {
        return local.find(appId, id);
    }

    @Override
    public void closed(Room room) {
        local.closed(room);
        Key k = new Key(room.appId(), room.id());
        if (!open.remove(k, room)) {
            return;
        }
        String key = keys.room(room.appId(), room.id());
        redis.<Long>eval(Script.RELEASE, ScriptOutputType.INTEGER, new String[] {key}, keys.roomOwner()).whenComplete((r, err) -> {
            if (err != null) {
                log.debug("room placement {} left to its lease (Redis unavailable: {})", key, err.toString());
            }
            // A login here may have opened the room again between the close and the delete: place it again.
            Room again = local.find(room.appId(), room.id());
            if (again != null && !again.isClosed() && open.get(k) == again) {
                place(room.appId(), room.id(), keys.node(), keys.incarnation()).whenComplete((p, e) -> {
                    if (p != null && !p.owner().equals(keys.roomOwner())) {
                        log.warn("room placement lost while reopening app={} room={}: node {} took it", room.appId(),
                                room.id(), ClusterKeys.nodeOf(p.owner()));
                    }
                });
            }
        });
    }

    // ---- RelayRouter (the gateway on this node) ----

    @Override
    public CompletionStage<Peer> routeLogin(long appId, RoomId id) {
        Room r = local.find(appId, id);
        if (r != null && !r.isClosed() && open.get(new Key(appId, id)) == r) { // open here, and its placement is ours
            return CompletableFuture.completedFuture(null);
        }
        Cluster.Node candidate = leastLoaded();
        CompletionStage<Placed> placed = place(appId, id, candidate.id(), candidate.incarnation());
        if (!candidate.id().equals(keys.node())) {
            // The registry read may be stale (that node left): then the room comes here.
            placed = placed.thenCompose(p -> p.owner().isEmpty() ? place(appId, id, keys.node(), keys.incarnation())
                    : CompletableFuture.completedFuture(p));
        }
        return placed.thenApply(p -> {
            if (p.owner().isEmpty()) {
                throw new ProtocolException(ErrorCode.LOGIN_CLUSTER_UNAVAILABLE, "login failed: this node is not in the"
                        + " cluster registry right now (Redis restarted?): retry");
            }
            if (p.owner().equals(keys.roomOwner())) {
                return null;
            }
            if (p.owner().equals(candidate.id() + "/" + candidate.incarnation())) {
                sent.computeIfAbsent(candidate.id(), k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            }
            return peer(p.owner(), p.registryValue(), p.epoch() + "#" + p.owner());
        });
    }

    @Override
    public CompletionStage<Peer> routeResume(long appId, UserId user, String sessionId) {
        return redis.async().get(keys.user(appId, user)).toCompletableFuture().thenCompose(v -> {
            String owner = v == null ? "" : v.substring(v.indexOf('#') + 1);
            String node = ClusterKeys.nodeOf(owner);
            if (owner.isEmpty() || keys.mine(owner) || node.equals(keys.node()) || !owner.endsWith("/u" + sessionId)) {
                return CompletableFuture.completedFuture((Peer) null);
            }
            return redis.async().get(ClusterKeys.nodeKey(node)).toCompletableFuture()
                    .thenApply(nv -> nv == null ? null : peer(owner, nv, null));
        });
    }

    @Override
    public CompletionStage<Peer> unreachable(long appId, RoomId id, Peer dead) {
        if (dead.placement() == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("node " + dead.node() + " is unreachable"));
        }
        String key = keys.room(appId, id);
        return redis.<Long>eval(Script.TAKE_OVER, ScriptOutputType.INTEGER, new String[] {key}, dead.placement(),
                keys.roomOwner(), lease).thenCompose(n -> {
            if (n == 1L) {
                log.warn("room app={} room={} taken over from node {}: it refuses connections at {}:{}", appId, id,
                        dead.node(), dead.host(), dead.port());
                return CompletableFuture.completedFuture((Peer) null);
            }
            return routeLogin(appId, id);
        });
    }

    // ---- placement ----

    private record Placed(String epoch, String owner, String registryValue) {}

    private CompletionStage<Placed> place(long appId, RoomId id, String node, String incarnation) {
        return redis.<List<Object>>eval(Script.PLACE, ScriptOutputType.MULTI,
                new String[] {keys.room(appId, id), ClusterKeys.nodeKey(node)},
                node + "/" + incarnation, incarnation, lease, ClusterKeys.nodeKey("")).handle((r, err) -> {
            if (err != null) {
                throw new ProtocolException(ErrorCode.LOGIN_CLUSTER_UNAVAILABLE, "login failed: the cluster store (Redis)"
                        + " is unavailable (" + Stages.unwrap(err).getMessage() + "): retry later");
            }
            return new Placed(String.valueOf(r.get(0)), String.valueOf(r.get(1)), String.valueOf(r.get(2)));
        });
    }

    /** The least-loaded live node that takes relayed sessions; this node on a tie. */
    private Cluster.Node leastLoaded() {
        Cluster.Node best = null;
        int bestLoad = Integer.MAX_VALUE;
        int own = ownLoad.getAsInt();
        for (Cluster.Node n : registry) {
            var extra = sent.get(n.id());
            int load = n.id().equals(keys.node()) ? own : n.load() + (extra == null ? 0 : extra.get());
            if (n.relayPort() > 0 && (load < bestLoad || load == bestLoad && n.id().equals(keys.node()))) {
                best = n;
                bestLoad = load;
            }
        }
        if (best == null || bestLoad >= own) {
            return new Cluster.Node(keys.node(), keys.incarnation(), "", own, 0);
        }
        return best;
    }

    private static Peer peer(String owner, String registryValue, String placement) {
        String[] f = registryValue.split("\\|");
        int port = f.length >= 5 ? Integer.parseInt(f[4]) : 0;
        if (port <= 0) {
            throw new ProtocolException(ErrorCode.ROOM_NODE_UNAVAILABLE, "login failed: node " + ClusterKeys.nodeOf(owner)
                    + " hosts this room but takes no relayed sessions yet: retry");
        }
        return new Peer(ClusterKeys.nodeOf(owner), f[1], port, placement);
    }

    // ---- renewal ----

    /** Renews the placement of every room open here; a placement another node took meanwhile is reported. */
    void renew() {
        List<Key> ks = new ArrayList<>(open.keySet());
        for (int from = 0; from < ks.size(); from += RENEW_BATCH) {
            List<Key> batch = ks.subList(from, Math.min(ks.size(), from + RENEW_BATCH));
            String[] redisKeys = batch.stream().map(k -> keys.room(k.appId(), k.room())).toArray(String[]::new);
            List<String> args = new ArrayList<>();
            args.add(lease);
            batch.forEach(k -> args.add(keys.roomOwner()));
            redis.<List<Object>>eval(Script.RENEW, ScriptOutputType.MULTI, redisKeys, args.toArray(String[]::new))
                    .whenComplete((r, err) -> {
                        if (err != null) {
                            log.debug("room placement renewal skipped (Redis unavailable: {})", err.toString());
                            return;
                        }
                        for (Object i : r) {
                            Key k = batch.get(((Long) i).intValue() - 1);
                            log.error("room placement lost app={} room={}: another node took it while this node could not"
                                    + " reach Redis; the room goes on here for its members, new logins go there",
                                    k.appId(), k.room());
                            open.remove(k);
                        }
                    });
        }
    }
}
