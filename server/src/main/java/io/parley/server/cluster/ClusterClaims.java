package io.parley.server.cluster;

import io.lettuce.core.ScriptOutputType;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import io.parley.protocol.StreamId;
import io.parley.protocol.UserId;
import io.parley.server.room.ClaimStore;
import io.parley.server.room.PublishedStream;
import io.parley.server.room.RoomService;
import io.parley.server.room.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster {@link ClaimStore}: userID and streamID claims per AppID held in Redis as {@code epoch#owner} keys with
 * a TTL of cluster.leaseTime, renewed while their holder lives, on top of this node's in-memory claims. A later login
 * anywhere takes the userID key atomically (Lua) and, when the earlier holder lives on another node, asks that node
 * to kick it (KICKOUT 1002050) and waits for its answer (at most {@link #KICK_ACK_TIMEOUT}; a node that does not
 * answer loses the claim at its next renewal anyway). A streamID key is taken only when free (the first wins).
 * Completions run on the session's own loop, as with the embedded store.
 */
final class ClusterClaims implements ClaimStore {
    private static final Logger log = LoggerFactory.getLogger(ClusterClaims.class);
    static final Duration KICK_ACK_TIMEOUT = Duration.ofSeconds(3);
    private static final int RENEW_BATCH = 256;

    private final ClaimStore local;
    private final RedisLink redis;
    private final ClusterKeys keys;
    private final String lease;
    /** Owner → session: user claims sent to Redis and not yet answered (a kick may already name them). */
    private final Map<String, Session> pendingUsers = new ConcurrentHashMap<>();
    /** Owner → session: user claims Redis granted; renewed until released. */
    private final Map<String, Session> users = new ConcurrentHashMap<>();
    /** Stream → owner: stream claims Redis granted; renewed until released. */
    private final Map<PublishedStream, String> streams = new ConcurrentHashMap<>();
    /** userID key → the newest epoch applied to this node's in-memory claims. */
    private final Map<String, Long> epochs = new ConcurrentHashMap<>();
    /** userID key → the kicks an accepted login here still waits for (see claimUser). */
    private final Map<String, CompletableFuture<Void>> handovers = new ConcurrentHashMap<>();
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    private final Map<String, CompletableFuture<Void>> acks = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile RoomService rooms;

    ClusterClaims(ClaimStore local, RedisLink redis, ClusterKeys keys, Duration leaseTime) {
        this.local = local;
        this.redis = redis;
        this.keys = keys;
        this.lease = Long.toString(leaseTime.toMillis());
    }

    void attach(RoomService rooms) {
        this.rooms = rooms;
    }

    int held() {
        return users.size() + streams.size();
    }

    // ---- userID: a later login wins ----

    @Override
    public CompletionStage<Holder<Session>> claimUser(long appId, UserId user, Session session) {
        String owner = keys.owner("u" + session.id());
        pendingUsers.put(owner, session);
        CompletableFuture<Holder<Session>> out = new CompletableFuture<>();
        redis.<List<Object>>eval(Script.CLAIM_LATER_WINS, ScriptOutputType.MULTI, new String[] {keys.user(appId, user)},
                owner, lease).whenComplete((r, err) -> {
            if (err != null) {
                pendingUsers.remove(owner, session);
                log.warn("login refused: Redis unavailable app={} user={} session={}: {}", appId, user, session.id(),
                        err.toString());
                failOn(session, out, new ProtocolException(ErrorCode.LOGIN_CLUSTER_UNAVAILABLE,
                        "login failed: the cluster store (Redis) is unavailable (" + err.getMessage() + "): retry later"));
                return;
            }
            long epoch = Long.parseLong(String.valueOf(r.get(0)));
            String key = keys.user(appId, user);
            // Replies may be handled on different threads, so this node applies its own logins in epoch order: a
            // claim that completes after a later one of the same userID lost already, and ends its own session.
            String prev = (String) r.get(1);
            String prevNode = prev.isEmpty() || keys.mine(prev) ? null : ClusterKeys.nodeOf(prev);
            @SuppressWarnings("unchecked")
            Holder<Session>[] localPrev = new Holder[1];
            @SuppressWarnings("unchecked")
            CompletableFuture<Void>[] handedOver = new CompletableFuture[1];
            epochs.compute(key, (k, cur) -> {
                if (cur != null && cur > epoch) {
                    return cur;
                }
                if (cur == null || cur < epoch) {
                    localPrev[0] = local.claimUser(appId, user, session).toCompletableFuture().join();
                }
                // The winner joins only once every earlier holder is gone: its own predecessor on another node
                // (kicked and confirmed), and whatever predecessor an earlier local holder was still waiting for.
                CompletableFuture<Void> before = handovers.getOrDefault(k, DONE);
                CompletableFuture<Void> kicked = prevNode == null ? DONE : kick(prevNode, prev);
                CompletableFuture<Void> all = before.isDone() && kicked.isDone() ? DONE : CompletableFuture.allOf(before, kicked);
                if (all != DONE) {
                    handovers.put(k, all);
                    all.whenComplete((v, e) -> handovers.remove(k, all));
                }
                handedOver[0] = all;
                return epoch;
            });
            if (handedOver[0] != null) {
                users.put(owner, session); // before it leaves pendingUsers: a kick must always find it in one of them
            }
            pendingUsers.remove(owner, session);
            if (handedOver[0] == null) {
                // A later claim of this userID was applied here first: this login lost already.
                RoomService rs = rooms;
                if (rs != null) {
                    rs.supersede(session);
                }
                completeOn(session, out, null);
                return;
            }
            Holder<Session> lp = localPrev[0];
            Holder<Session> result = lp != null ? lp : prevNode == null ? null : new Holder<>(null, prevNode);
            handedOver[0].whenComplete((v, e) -> completeOn(session, out, result));
        });
        return out;
    }

    @Override
    public CompletionStage<Boolean> releaseUser(long appId, UserId user, Session session) {
        boolean released = local.releaseUser(appId, user, session).toCompletableFuture().join();
        if (released) {
            // The newest epoch seen stays only while someone here holds the userID (bounded by live users).
            epochs.computeIfPresent(keys.user(appId, user), (k, e) -> null);
        }
        String owner = keys.owner("u" + session.id());
        if (users.remove(owner, session)) {
            release(keys.user(appId, user), owner);
        }
        return CompletableFuture.completedFuture(released);
    }

    // ---- streamID: the first publisher wins ----

    @Override
    public CompletionStage<Holder<PublishedStream>> claimStream(long appId, StreamId stream, PublishedStream st) {
        // This node's map first: a duplicate here is answered without Redis, and exactly as on a single node.
        Holder<PublishedStream> here = local.claimStream(appId, stream, st).toCompletableFuture().join();
        if (here.local() != st) {
            return CompletableFuture.completedFuture(here);
        }
        String owner = keys.owner("s" + ids.incrementAndGet());
        CompletableFuture<Holder<PublishedStream>> out = new CompletableFuture<>();
        Session publisher = st.publisher();
        redis.<List<Object>>eval(Script.CLAIM_FIRST_WINS, ScriptOutputType.MULTI, new String[] {keys.stream(appId, stream)},
                owner, lease).whenComplete((r, err) -> {
            if (err != null) {
                local.releaseStream(appId, stream, st);
                log.warn("publish refused: Redis unavailable app={} stream={} user={}: {}", appId, stream,
                        publisher.userId(), err.toString());
                failOn(publisher, out, new ProtocolException(ErrorCode.PUBLISH_CLUSTER_UNAVAILABLE,
                        "publish failed: the cluster store (Redis) is unavailable (" + err.getMessage() + "): retry later"));
                return;
            }
            String holder = (String) r.get(1);
            if (holder.equals(owner)) {
                streams.put(st, owner);
                completeOn(publisher, out, here);
            } else {
                local.releaseStream(appId, stream, st);
                completeOn(publisher, out, new Holder<>(null, ClusterKeys.nodeOf(holder)));
            }
        });
        return out;
    }

    @Override
    public CompletionStage<Boolean> releaseStream(long appId, StreamId stream, PublishedStream st) {
        boolean released = local.releaseStream(appId, stream, st).toCompletableFuture().join();
        String owner = streams.remove(st);
        if (owner != null) {
            release(keys.stream(appId, stream), owner);
        }
        return CompletableFuture.completedFuture(released);
    }

    private void release(String key, String owner) {
        redis.<Long>eval(Script.RELEASE, ScriptOutputType.INTEGER, new String[] {key}, owner).whenComplete((r, err) -> {
            if (err != null) {
                log.debug("release of {} left to its lease (Redis unavailable: {})", key, err.toString());
            }
        });
    }

    // ---- kicks across nodes ----

    /** Asks {@code node} to kick the session {@code owner}; completes when it answered, nobody listens, or on timeout. */
    private CompletableFuture<Void> kick(String node, String owner) {
        String id = keys.node() + ":" + ids.incrementAndGet();
        CompletableFuture<Void> ack = new CompletableFuture<>();
        acks.put(id, ack);
        redis.publish(ClusterKeys.channel(node), "kick " + keys.node() + " " + id + " " + owner).whenComplete((n, err) -> {
            if (err != null || n == 0) {
                ack.complete(null); // no such node listens: it is gone, and its keys go with its lease
            }
        });
        return ack.orTimeout(KICK_ACK_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).handle((v, e) -> {
            acks.remove(id);
            if (e instanceof TimeoutException) {
                log.warn("node {} did not confirm the kick of {} within {}: the login goes on (it loses the claim at its"
                        + " next renewal)", node, owner, KICK_ACK_TIMEOUT);
            }
            return null;
        });
    }

    /** A message on this node's channel. */
    void onMessage(String message) {
        String[] f = message.split(" ");
        if (f.length == 4 && f[0].equals("kick")) {
            Session s = users.get(f[3]);
            if (s == null) {
                s = pendingUsers.get(f[3]);
            }
            RoomService r = rooms;
            CompletableFuture<Void> done = s == null || r == null ? DONE : r.supersede(s).toCompletableFuture();
            if (s != null && s.userId() != null) {
                // Confirmed only once whatever this session was still waiting for (an earlier holder elsewhere) is gone too.
                done = CompletableFuture.allOf(done, handovers.getOrDefault(keys.user(s.appId(), s.userId()), DONE));
            }
            String from = f[1];
            String id = f[2];
            done.whenComplete((v, e) -> redis.publish(ClusterKeys.channel(from), "ack " + id));
        } else if (f.length == 2 && f[0].equals("ack")) {
            CompletableFuture<Void> ack = acks.remove(f[1]);
            if (ack != null) {
                ack.complete(null);
            }
        } else {
            log.warn("cluster message not understood (ignored): {}", message.length() > 200 ? message.substring(0, 200) : message);
        }
    }

    // ---- renewal ----

    /** Renews every claim this node holds; a claim another owner took meanwhile is given up (its session kicked). */
    void renew() {
        List<String> ks = new ArrayList<>();
        List<String> owners = new ArrayList<>();
        List<Runnable> onLost = new ArrayList<>();
        users.forEach((owner, s) -> {
            UserId u = s.userId();
            if (u != null) {
                ks.add(keys.user(s.appId(), u));
                owners.add(owner);
                onLost.add(() -> {
                    if (users.remove(owner, s)) {
                        log.warn("userID claim lost to another session app={} user={} session={}: kicked", s.appId(), u, s.id());
                        RoomService r = rooms;
                        if (r != null) {
                            r.supersede(s);
                        }
                    }
                });
            }
        });
        streams.forEach((st, owner) -> {
            ks.add(keys.stream(st.publisher().appId(), st.id()));
            owners.add(owner);
            onLost.add(() -> {
                if (streams.remove(st, owner)) {
                    log.warn("streamID claim lost while Redis was away app={} stream={} user={}: another publisher holds it",
                            st.publisher().appId(), st.id(), st.publisher().userId());
                }
            });
        });
        for (int from = 0; from < ks.size(); from += RENEW_BATCH) {
            int to = Math.min(ks.size(), from + RENEW_BATCH);
            String[] batchKeys = ks.subList(from, to).toArray(String[]::new);
            List<String> args = new ArrayList<>();
            args.add(lease);
            args.addAll(owners.subList(from, to));
            List<Runnable> lost = onLost.subList(from, to);
            redis.<List<Object>>eval(Script.RENEW, ScriptOutputType.MULTI, batchKeys, args.toArray(String[]::new))
                    .whenComplete((r, err) -> {
                        if (err != null) {
                            log.debug("claim renewal skipped (Redis unavailable: {})", err.toString());
                            return;
                        }
                        for (Object i : r) {
                            lost.get(((Long) i).intValue() - 1).run();
                        }
                    });
        }
    }

    private static <T> void completeOn(Session s, CompletableFuture<T> out, T value) {
        try {
            s.home().execute(() -> out.complete(value));
        } catch (RejectedExecutionException e) {
            out.complete(value); // the node is shutting down
        }
    }

    private static <T> void failOn(Session s, CompletableFuture<T> out, Throwable err) {
        try {
            s.home().execute(() -> out.completeExceptionally(err));
        } catch (RejectedExecutionException e) {
            out.completeExceptionally(err);
        }
    }
}
