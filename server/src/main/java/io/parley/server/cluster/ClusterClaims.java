package io.parley.server.cluster;

import io.lettuce.core.ScriptOutputType;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import io.parley.protocol.StreamId;
import io.parley.protocol.UserId;
import io.parley.server.room.ClaimStore;
import io.parley.server.room.PublishedStream;
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
import java.util.function.Function;
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
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    private static final Logger log = LoggerFactory.getLogger(ClusterClaims.class);
    static final Duration KICK_ACK_TIMEOUT = Duration.ofSeconds(3);
    private static final int RENEW_BATCH = 256;

    private final ClaimStore local;
    private final Duration kickAckTimeout;
    private final RedisCalls redis;
    private final ClusterKeys keys;
    private final String lease;
    /** Owner → session: user claims sent to Redis and not yet answered (a kick may already name them). */
    private final Map<String, Session> pendingUsers = new ConcurrentHashMap<>();
    /** Owner → session: user claims Redis granted; renewed until released. */
    private final Map<String, Session> users = new ConcurrentHashMap<>();
    /** Stream → owner: stream claims Redis granted; renewed until released. */
    private final Map<PublishedStream, String> streams = new ConcurrentHashMap<>();
    /** userID key → this node's view of it (see UserKey): the epoch order of its logins and kicks. */
    private final Map<String, UserKey> userKeys = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> acks = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    /** Kicks a session of this node as if a later login had happened here; completes once it has left its room. */
    private volatile Function<Session, CompletionStage<Void>> supersede = s -> DONE;

    ClusterClaims(ClaimStore local, RedisCalls redis, ClusterKeys keys, Duration leaseTime) {
        this(local, redis, keys, leaseTime, KICK_ACK_TIMEOUT);
    }

    /** With another bound on a kick's confirmation (a test that must tell a deadlock from a slow answer). */
    ClusterClaims(ClaimStore local, RedisCalls redis, ClusterKeys keys, Duration leaseTime, Duration kickAckTimeout) {
        this.kickAckTimeout = kickAckTimeout;
        this.local = local;
        this.redis = redis;
        this.keys = keys;
        this.lease = Long.toString(leaseTime.toMillis());
    }

    /** Plugs in the registry's kick ({@code RoomService::supersede}) before the node takes traffic. */
    void attach(Function<Session, CompletionStage<Void>> supersede) {
        this.supersede = supersede;
    }

    /** userID keys this node keeps epochs for (bounded by the userIDs held or claimed here; for tests). */
    int trackedUserKeys() {
        return userKeys.size();
    }

    int held() {
        return users.size() + streams.size();
    }

    // ---- userID: a later login wins ----
    //
    // The rule every node keeps: it confirms a kick from a login of epoch e only once every session here that held the
    // userID with an epoch < e is out of its room (the one the kick names, the applied local holder, any local claim
    // still waiting for Redis's answer that turns out older than e), and once the predecessors those sessions were
    // kicking on other nodes are gone too; a local claim whose reply comes after a newer epoch was applied here loses.
    // A login here joins under the same rule. Every wait points at strictly older epochs, so waits never form a cycle.

    /** One claim of a userID by a session of this node, from its Redis call until its session is out and its kick done. */
    private static final class Claim {
        final Session session;
        /** Completed once its reply was applied here (epoch set before). */
        final CompletableFuture<Void> answered = new CompletableFuture<>();
        /** Its predecessor on another node was kicked and confirmed (or timed out), or it had none. */
        final CompletableFuture<Void> kicked = new CompletableFuture<>();
        /** Its session is out of its room (kicked, or released the userID). */
        final CompletableFuture<Void> out = new CompletableFuture<>();
        /** Its epoch once answered; until then (and when Redis failed) newer than anything, so nobody waits for it. */
        volatile long epoch = Long.MAX_VALUE;

        Claim(Session session) {
            this.session = session;
        }

        CompletableFuture<Void> finished() {
            return CompletableFuture.allOf(kicked, out);
        }
    }

    /**
     * This node's view of one userID key: {@code epoch}, the newest applied here (a local claim's or a kicker's);
     * {@code claims}, the answered local claims not finished yet (the holder among them), {@code pending} the ones
     * Redis has not answered. Replaced only inside {@code userKeys.compute}; dropped once both lists are empty.
     */
    private record UserKey(long epoch, List<Claim> claims, List<Claim> pending) {
        static final UserKey NONE = new UserKey(0, List.of(), List.of());
    }

    /** A session to kick once {@code userKeys.compute} returned (a kick can re-enter releaseUser on the same key). */
    private record Departure(Session session, CompletableFuture<Void> gone) {}

    @Override
    public CompletionStage<Holder<Session>> claimUser(long appId, UserId user, Session session) {
        String key = keys.user(appId, user);
        String owner = keys.owner("u" + session.id());
        Claim c = new Claim(session);
        pendingUsers.put(owner, session);
        userKeys.compute(key, (k, cur) -> {
            UserKey u = cur == null ? UserKey.NONE : cur;
            return new UserKey(u.epoch, u.claims, plus(u.pending, c));
        });
        CompletableFuture<Holder<Session>> out = new CompletableFuture<>();
        redis.<List<Object>>eval(Script.CLAIM_LATER_WINS, ScriptOutputType.MULTI, new String[] {key}, owner, lease)
                .whenComplete((r, err) -> {
                    if (err != null) {
                        pendingUsers.remove(owner, session);
                        userKeys.computeIfPresent(key, (k, u) -> new UserKey(u.epoch, u.claims, minus(u.pending, c)));
                        c.answered.complete(null);
                        tidy(key);
                        log.warn("login refused: Redis unavailable app={} user={} session={}: {}", appId, user, session.id(),
                                err.toString());
                        failOn(session, out, new ProtocolException(ErrorCode.LOGIN_CLUSTER_UNAVAILABLE,
                                "login failed: the cluster store (Redis) is unavailable (" + err.getMessage() + "): retry later"));
                        return;
                    }
                    answered(appId, user, key, owner, c, Long.parseLong(String.valueOf(r.get(0))), (String) r.get(1), out);
                });
        return out;
    }

    private enum Outcome { WON, LOST, HELD }

    /** Applies Redis's answer to a claim: it wins here, or lost already to a newer epoch, or was held already. */
    private void answered(long appId, UserId user, String key, String owner, Claim c, long epoch, String prev,
                          CompletableFuture<Holder<Session>> out) {
        Session session = c.session;
        String prevNode = prev.isEmpty() || keys.mine(prev) ? null : ClusterKeys.nodeOf(prev);
        c.epoch = epoch;
        List<Departure> leaving = new ArrayList<>();
        Outcome[] outcome = {Outcome.LOST};
        @SuppressWarnings("unchecked")
        Holder<Session>[] localPrev = new Holder[1];
        @SuppressWarnings("unchecked")
        CompletableFuture<Void>[] before = new CompletableFuture[] {DONE};
        userKeys.compute(key, (k, cur) -> {
            UserKey u = cur == null ? UserKey.NONE : cur;
            List<Claim> pending = minus(u.pending, c);
            for (Claim h : u.claims) {
                if (h.session == session && h.epoch == epoch) {
                    outcome[0] = Outcome.HELD; // the session claims again what it holds (a further room)
                    before[0] = allOf(olderThan(epoch, u, session, leaving));
                    return new UserKey(u.epoch, u.claims, pending);
                }
            }
            if (epoch <= u.epoch) {
                // A newer login here, or a kick from one elsewhere, was applied first: this one lost.
                outcome[0] = Outcome.LOST;
                return new UserKey(u.epoch, plus(u.claims, c), pending);
            }
            // The newest claim here: it displaces every older session here and joins once they are gone.
            outcome[0] = Outcome.WON;
            Holder<Session> lp = local.claimUser(appId, user, session).toCompletableFuture().join();
            localPrev[0] = lp;
            List<CompletableFuture<Void>> older = olderThan(epoch, u, session, leaving);
            if (lp != null && lp.local() != null && lp.local() != session) {
                older.add(leave(lp.local(), null, leaving)); // its claim is finished here already, but it is still leaving
            }
            before[0] = allOf(older);
            return new UserKey(epoch, plus(u.claims, c), pending);
        });
        depart(leaving);
        if (prevNode != null && outcome[0] != Outcome.HELD) {
            // Even a lost claim kicks the predecessor it took the key from: no other node knows that one must go.
            kick(prevNode, prev, epoch, key).whenComplete((v, e) -> c.kicked.complete(null));
        } else {
            c.kicked.complete(null);
        }
        c.finished().whenComplete((v, e) -> tidy(key));
        c.answered.complete(null);
        if (outcome[0] == Outcome.LOST) {
            pendingUsers.remove(owner, session);
            supersede.apply(session).whenComplete((v, e) -> c.out.complete(null));
            log.debug("login lost to a newer login of its userID applied here first app={} user={} session={}", appId, user,
                    session.id());
            completeOn(session, out, null);
            return;
        }
        if (outcome[0] == Outcome.HELD) {
            c.out.complete(null); // a duplicate of the claim the session holds, which stays
        }
        users.put(owner, session); // before it leaves pendingUsers: a kick must always find it in one of them
        pendingUsers.remove(owner, session);
        Holder<Session> lp = localPrev[0];
        Holder<Session> result = lp != null ? lp : prevNode == null || outcome[0] == Outcome.HELD ? null
                : new Holder<>(null, prevNode);
        CompletableFuture.allOf(before[0], c.kicked).whenComplete((v, e) -> completeOn(session, out, result));
    }

    /**
     * Inside {@code compute}: what "every session here older than {@code epoch} is gone" waits for, given the key's state
     * {@code u}: each older claim's kick elsewhere and its session's departure (queued in {@code leaving}, except
     * {@code self}'s), and each unanswered claim that turns out older (it loses, and then finishes the same way).
     */
    private static List<CompletableFuture<Void>> olderThan(long epoch, UserKey u, Session self, List<Departure> leaving) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Claim c : u.claims) {
            if (c.epoch < epoch) {
                all.add(c.kicked);
                if (c.session != self) {
                    all.add(leave(c.session, c.out, leaving));
                }
            }
        }
        for (Claim p : u.pending) {
            all.add(p.answered.thenCompose(v -> p.epoch < epoch ? p.finished() : DONE));
        }
        return all;
    }

    /** Queues {@code s}'s kick (once per session); {@code out}, if given, completes with it. Returns its departure. */
    private static CompletableFuture<Void> leave(Session s, CompletableFuture<Void> out, List<Departure> leaving) {
        if (out != null && out.isDone()) {
            return out;
        }
        for (Departure d : leaving) {
            if (d.session == s) {
                if (out != null) {
                    d.gone.whenComplete((v, e) -> out.complete(null));
                }
                return d.gone;
            }
        }
        Departure d = new Departure(s, new CompletableFuture<>());
        if (out != null) {
            d.gone.whenComplete((v, e) -> out.complete(null));
        }
        leaving.add(d);
        return d.gone;
    }

    /** Kicks each session as a later login would (idempotent with the login's own kick of its local predecessor). */
    private void depart(List<Departure> leaving) {
        for (Departure d : leaving) {
            supersede.apply(d.session).whenComplete((v, e) -> d.gone.complete(null));
        }
    }

    /** Drops finished claims, and the key's state once nothing here holds or claims it: the map stays bounded. */
    private void tidy(String key) {
        userKeys.computeIfPresent(key, (k, u) -> {
            List<Claim> live = u.claims;
            for (Claim c : u.claims) {
                if (c.kicked.isDone() && c.out.isDone()) {
                    live = minus(live, c);
                }
            }
            return live.isEmpty() && u.pending.isEmpty() ? null : live == u.claims ? u : new UserKey(u.epoch, live, u.pending);
        });
    }

    private static CompletableFuture<Void> allOf(List<CompletableFuture<Void>> fs) {
        fs.removeIf(CompletableFuture::isDone);
        return fs.isEmpty() ? DONE : fs.size() == 1 ? fs.get(0) : CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new));
    }

    private static List<Claim> plus(List<Claim> list, Claim c) {
        List<Claim> out = new ArrayList<>(list);
        out.add(c);
        return List.copyOf(out);
    }

    private static List<Claim> minus(List<Claim> list, Claim c) {
        if (!list.contains(c)) {
            return list;
        }
        List<Claim> out = new ArrayList<>(list);
        out.remove(c);
        return List.copyOf(out);
    }

    @Override
    public CompletionStage<Boolean> releaseUser(long appId, UserId user, Session session) {
        boolean released = local.releaseUser(appId, user, session).toCompletableFuture().join();
        String key = keys.user(appId, user);
        UserKey u = userKeys.get(key);
        if (u != null) {
            for (Claim c : u.claims) {
                if (c.session == session) {
                    c.out.complete(null); // out of its rooms: what newer logins wait for (its finished() tidies)
                }
            }
        }
        String owner = keys.owner("u" + session.id());
        if (users.remove(owner, session)) {
            release(key, owner);
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

    /**
     * Asks {@code node} to kick the session {@code owner} for a login of {@code epoch}; completes when it confirmed, nobody
     * listens, or on timeout. The userID key goes last: a userID may hold spaces.
     */
    private CompletableFuture<Void> kick(String node, String owner, long epoch, String key) {
        String id = keys.node() + ":" + ids.incrementAndGet();
        CompletableFuture<Void> ack = new CompletableFuture<>();
        acks.put(id, ack);
        redis.publish(ClusterKeys.channel(node), "kick " + keys.node() + " " + id + " " + epoch + " " + owner + " " + key)
                .whenComplete((n, err) -> {
                    if (err != null || n == 0) {
                        ack.complete(null); // no such node listens: it is gone, and its keys go with its lease
                    }
                });
        return ack.orTimeout(kickAckTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).handle((v, e) -> {
            acks.remove(id);
            if (e instanceof TimeoutException) {
                log.warn("node {} did not confirm the kick of {} ({}) within {}: the login goes on (it loses the claim at"
                        + " its next renewal)", node, owner, key, kickAckTimeout);
            }
            return null;
        });
    }

    /** A message on this node's channel: {@code kick <from> <id> <epoch> <owner> <userID key>} or {@code ack <id>}. */
    void onMessage(String message) {
        String[] f = message.split(" ", 6);
        if (f.length == 6 && f[0].equals("kick")) {
            long epoch;
            try {
                epoch = Long.parseLong(f[3]);
            } catch (NumberFormatException e) {
                log.warn("cluster kick with a malformed epoch (ignored): {}", clip(message));
                return;
            }
            kicked(f[1], f[2], epoch, f[4], f[5]);
        } else if (f.length == 2 && f[0].equals("ack")) {
            CompletableFuture<Void> ack = acks.remove(f[1]);
            if (ack != null) {
                ack.complete(null);
            }
        } else {
            log.warn("cluster message not understood (ignored): {}", clip(message));
        }
    }

    /**
     * A login of {@code epoch} on node {@code from} took the userID {@code key} from {@code owner}, a session here:
     * everything here older than that login goes, and the kick is confirmed once it is gone (the rule above).
     */
    private void kicked(String from, String id, long epoch, String owner, String key) {
        Session named = users.get(owner);
        if (named == null) {
            named = pendingUsers.get(owner);
        }
        List<Departure> leaving = new ArrayList<>();
        @SuppressWarnings("unchecked")
        CompletableFuture<Void>[] wait = new CompletableFuture[1];
        userKeys.compute(key, (k, cur) -> {
            UserKey u = cur == null ? UserKey.NONE : cur;
            wait[0] = allOf(olderThan(epoch, u, null, leaving));
            // A newer login here may have been applied first: it keeps the key, and waits for the same older sessions.
            return epoch > u.epoch ? new UserKey(epoch, u.claims, u.pending) : u;
        });
        CompletableFuture<Void> done = wait[0];
        if (named != null) {
            done = CompletableFuture.allOf(done, leave(named, null, leaving));
        }
        depart(leaving);
        tidy(key);
        done.whenComplete((v, e) -> redis.publish(ClusterKeys.channel(from), "ack " + id));
    }

    private static String clip(String message) {
        return message.length() > 200 ? message.substring(0, 200) : message;
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
                        supersede.apply(s);
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
