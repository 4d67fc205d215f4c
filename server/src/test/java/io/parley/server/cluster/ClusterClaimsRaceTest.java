package io.parley.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.ScriptOutputType;
import io.netty.channel.DefaultEventLoopGroup;
import io.parley.protocol.StreamId;
import io.parley.protocol.UserId;
import io.parley.server.room.ClaimStore;
import io.parley.server.room.PublishedStream;
import io.parley.server.room.Session;
import io.parley.server.room.TestSessions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kick/ack rule of the cluster's userID claims, through the seams: each node's {@link ClusterClaims} on one real
 * redis-server, behind a Redis double that can hold a login's claim reply (command replies and pub/sub deliveries
 * arrive on different connections and threads, so a kick may overtake a reply), and a model of the registry: a session
 * joins a room once its login completes, after the predecessor it displaced left (one room, one loop); a kick makes a
 * session leave, at once or when the test lets it (a busy room loop). Each interleaving is reproduced exactly. Checked
 * throughout: no two sessions of the userID are ever in rooms at once, and no node confirms a kick while a session of
 * that userID older than the kicker is still in a room anywhere.
 */
class ClusterClaimsRaceTest {
    private static final long APP = 1;
    private static final String USER = "u";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private RedisProcess redis;
    private final DefaultEventLoopGroup loops = new DefaultEventLoopGroup(2);
    private final List<Node> nodes = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong();

    @BeforeEach
    void start() throws Exception {
        redis = RedisProcess.start();
    }

    @AfterEach
    void stop() {
        nodes.forEach(Node::close);
        loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aKickThatOvertakesTheReplyOfANewerLoginHereIsConfirmedOnlyOnceTheOlderSessionLeft() {
        Node n0 = node("node-0");
        Node n1 = node("node-1");
        Session a = n1.session();
        join(n1.login(a));
        Session b = n1.session();
        CompletableFuture<Void> bReply = n1.holdReply(b);
        CompletableFuture<Void> bLogin = n1.login(b);
        join(n1.answeredByRedis(b)); // Redis ordered B (its predecessor: A, here) before C
        Session c = n0.session();
        CompletableFuture<Void> cLogin = n0.login(c);
        await().atMost(WAIT).until(() -> n1.handledKicks() == 1); // node-1 got "kick B" before B's reply
        assertThat(violations).isEmpty();
        bReply.complete(null);
        join(cLogin);
        join(bLogin);
        assertThat(violations).isEmpty();
        assertThat(n0.inRoom).containsExactly(c);
        assertThat(n1.inRoom).isEmpty();
        assertThat(n1.kicked).as("A kicked by C's kick, B's reply (older than that kick) lost").contains(a, b);
        await().atMost(WAIT).untilAsserted(() -> assertThat(n1.claims.trackedUserKeys()).as("nothing left behind").isZero());
        assertThat(n0.claims.trackedUserKeys()).isOne();
    }

    @Test
    void aKickAfterTheReplyOfANewerLoginHereIsConfirmedOnlyOnceTheSessionItDisplacedLeft() {
        Node n0 = node("node-0");
        Node n1 = node("node-1");
        Session a = n1.session();
        join(n1.login(a));
        CompletableFuture<Void> aLeaves = n1.holdLeave(a);
        Session b = n1.session();
        CompletableFuture<Void> bLogin = n1.login(b);
        await().atMost(WAIT).until(() -> n1.kicked.contains(a)); // B's reply applied, A kicked but still in its room
        Session c = n0.session();
        CompletableFuture<Void> cLogin = n0.login(c);
        await().atMost(WAIT).until(() -> n1.handledKicks() == 1); // node-1 got "kick B"
        assertThat(violations).isEmpty();
        aLeaves.complete(null);
        join(cLogin);
        join(bLogin);
        assertThat(violations).isEmpty();
        assertThat(n0.inRoom).containsExactly(c);
        assertThat(n1.inRoom).isEmpty();
        assertThat(n1.kicked).contains(a, b);
        await().atMost(WAIT).untilAsserted(() -> assertThat(n1.claims.trackedUserKeys()).as("nothing left behind").isZero());
    }

    @Test
    void aLoginThatLostToAKickStillKicksItsPredecessorElsewhereBeforeTheKickIsConfirmed() {
        Node n0 = node("node-0");
        Node n1 = node("node-1");
        Node n2 = node("node-2");
        Session x = n2.session();
        join(n2.login(x));
        Session b = n1.session();
        CompletableFuture<Void> bReply = n1.holdReply(b);
        CompletableFuture<Void> bLogin = n1.login(b);
        join(n1.answeredByRedis(b)); // Redis: X, then B (its predecessor: X on node-2), then C
        Session c = n0.session();
        CompletableFuture<Void> cLogin = n0.login(c);
        await().atMost(WAIT).until(() -> n1.handledKicks() == 1);
        assertThat(violations).isEmpty();
        bReply.complete(null); // B lost to C's kick; only B's node knows that X must go
        join(cLogin);
        join(bLogin);
        assertThat(violations).isEmpty();
        assertThat(n2.kicked).containsExactly(x);
        assertThat(n2.inRoom).isEmpty();
        assertThat(n1.inRoom).isEmpty();
        assertThat(n0.inRoom).containsExactly(c);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(n1.claims.trackedUserKeys()).isZero();
            assertThat(n2.claims.trackedUserKeys()).isZero();
        });
    }

    @Test
    void aKickOvertakenByTwoNewerLoginsHereIsConfirmedWithoutWaitingForTheirKicks() {
        // Redis: B (node-1), C (node-0, kicks B), B2 (node-1, kicks C), D (node-1); node-1 sees "kick B" last. Waiting
        // there for everything before D (B2's kick of C included) would wait for node-0, which waits for this very
        // confirmation: only the kick's 60 s bound would end it, far past this test's wait.
        Node n0 = node("node-0");
        Node n1 = node("node-1");
        Session b = n1.session();
        join(n1.login(b));
        CompletableFuture<Void> kicksToN1 = n1.holdKicks();
        Session c = n0.session();
        CompletableFuture<Void> cLogin = n0.login(c);
        await().atMost(WAIT).until(() -> n1.heldKicks() == 1);
        Session b2 = n1.session();
        CompletableFuture<Void> b2Login = n1.login(b2);
        await().atMost(WAIT).until(() -> n0.handledKicks() == 1); // node-0 got "kick C" from B2
        Session d = n1.session();
        CompletableFuture<Void> dLogin = n1.login(d);
        join(n1.answeredByRedis(d));
        kicksToN1.complete(null);
        join(cLogin);
        join(b2Login);
        join(dLogin);
        assertThat(violations).isEmpty();
        assertThat(n1.inRoom).containsExactly(d);
        assertThat(n0.inRoom).isEmpty();
        assertThat(n1.kicked).contains(b, b2);
        assertThat(n0.kicked).contains(c);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(n0.claims.trackedUserKeys()).isZero();
            assertThat(n1.claims.trackedUserKeys()).isOne();
        });
    }

    @Test
    void kicksWithAMalformedEpochOrTooFewFieldsAreIgnored() {
        Node n1 = node("node-1");
        Session a = n1.session();
        join(n1.login(a));
        n1.claims.onMessage("kick node-0 node-0:1 not-a-number " + n1.keys.owner("u" + a.id()) + " parley:1:user:u");
        n1.claims.onMessage("kick node-0 node-0:2 " + n1.keys.owner("u" + a.id()));
        assertThat(n1.kicked).isEmpty();
        assertThat(n1.inRoom).containsExactly(a);
    }

    private Node node(String name) {
        Node n = new Node(name);
        nodes.add(n);
        return n;
    }

    private static <T> T join(CompletableFuture<T> f) {
        return f.orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    /** A node: its claims over a real Redis link through a double, an in-memory local store and a model of its rooms. */
    private final class Node implements RedisCalls, AutoCloseable {
        final String name;
        final ClusterKeys keys;
        final RedisLink link;
        final ClusterClaims claims;
        final Map<UserId, Session> localUsers = new ConcurrentHashMap<>();
        final Set<Session> inRoom = ConcurrentHashMap.newKeySet();
        final Set<Session> kicked = ConcurrentHashMap.newKeySet();
        final Map<String, CompletableFuture<Void>> heldReplies = new ConcurrentHashMap<>();
        final Map<String, CompletableFuture<Void>> redisAnswers = new ConcurrentHashMap<>();
        final Map<Session, CompletableFuture<Void>> heldLeaves = new ConcurrentHashMap<>();
        final List<String> handled = new CopyOnWriteArrayList<>();
        final AtomicLong heldKicks = new AtomicLong();
        volatile CompletableFuture<Void> kickGate;

        Node(String name) {
            this.name = name;
            this.keys = new ClusterKeys(name, "i" + name.hashCode());
            ClusterClaims[] self = new ClusterClaims[1];
            this.link = RedisLink.connect(redis.url(), ClusterKeys.channel(name), (ch, msg) -> {
                CompletableFuture<Void> gate = kickGate;
                if (msg.startsWith("kick ") && gate != null) {
                    heldKicks.incrementAndGet();
                    gate.thenRunAsync(() -> deliver(self[0], msg));
                } else {
                    deliver(self[0], msg);
                }
            });
            this.claims = self[0] = new ClusterClaims(local(), this, keys, Duration.ofSeconds(10), Duration.ofSeconds(60));
            claims.attach(this::supersede);
        }

        Session session() {
            return TestSessions.loggingIn(ids.incrementAndGet(), loops.next(), APP, USER);
        }

        String owner(Session s) {
            return keys.owner("u" + s.id());
        }

        /** The claim reply for {@code s} reaches the claims only when the returned gate is completed. */
        CompletableFuture<Void> holdReply(Session s) {
            return heldReplies.computeIfAbsent(owner(s), o -> new CompletableFuture<>());
        }

        /** Completes when Redis answered the claim of {@code s} (held or not). */
        CompletableFuture<Void> answeredByRedis(Session s) {
            return redisAnswers.computeIfAbsent(owner(s), o -> new CompletableFuture<>());
        }

        /** {@code s} leaves its room after a kick only when the returned gate is completed. */
        CompletableFuture<Void> holdLeave(Session s) {
            return heldLeaves.computeIfAbsent(s, o -> new CompletableFuture<>());
        }

        private void deliver(ClusterClaims to, String msg) {
            to.onMessage(msg);
            handled.add(msg);
        }

        /** Kicks reach this node only when the returned gate is completed (a slow pub/sub connection). */
        CompletableFuture<Void> holdKicks() {
            kickGate = new CompletableFuture<>();
            return kickGate;
        }

        long heldKicks() {
            return heldKicks.get();
        }

        long handledKicks() {
            return handled.stream().filter(m -> m.startsWith("kick ")).count();
        }

        /** RoomService's login: the claim, then the displaced local session kicked, then the join (one room loop). */
        CompletableFuture<Void> login(Session s) {
            return claims.claimUser(APP, s.userId(), s).toCompletableFuture().thenCompose(prev ->
                    (prev != null && prev.local() != null ? supersede(prev.local()) : DONE).thenRun(() -> join(s)));
        }

        private void join(Session s) {
            if (kicked.contains(s)) {
                claims.releaseUser(APP, s.userId(), s); // the room sees a closed session: no join, its claim released
                return;
            }
            for (Node n : nodes) {
                for (Session o : n.inRoom) {
                    violations.add("session " + s.id() + " joined on " + name + " while session " + o.id()
                            + " of the same userID is in a room on " + n.name);
                }
            }
            inRoom.add(s);
        }

        /** RoomService.supersede: closed at once, out of its room when its room's loop gets to it. */
        CompletionStage<Void> supersede(Session s) {
            kicked.add(s);
            return heldLeaves.getOrDefault(s, DONE).thenRun(() -> {
                inRoom.remove(s);
                claims.releaseUser(APP, s.userId(), s);
            });
        }

        private ClaimStore local() {
            return new ClaimStore() {
                @Override
                public CompletionStage<Holder<Session>> claimUser(long appId, UserId user, Session session) {
                    Session prev = localUsers.put(user, session);
                    return CompletableFuture.completedFuture(prev == null || prev == session ? null : new Holder<>(prev, name));
                }

                @Override
                public CompletionStage<Boolean> releaseUser(long appId, UserId user, Session session) {
                    return CompletableFuture.completedFuture(localUsers.remove(user, session));
                }

                @Override
                public CompletionStage<Holder<PublishedStream>> claimStream(long appId, StreamId stream, PublishedStream st) {
                    throw new UnsupportedOperationException("streams are not part of this test");
                }

                @Override
                public CompletionStage<Boolean> releaseStream(long appId, StreamId stream, PublishedStream st) {
                    throw new UnsupportedOperationException("streams are not part of this test");
                }
            };
        }

        @Override
        public <T> CompletionStage<T> eval(Script script, ScriptOutputType type, String[] keys, String... args) {
            CompletionStage<T> reply = link.eval(script, type, keys, args);
            if (script != Script.CLAIM_LATER_WINS) {
                return reply;
            }
            String owner = args[0];
            reply.whenComplete((v, e) -> answeredByRedisOwner(owner).complete(null));
            CompletableFuture<Void> gate = heldReplies.get(owner);
            // A held reply is handed over on another thread once the gate opens, as a late Lettuce thread would.
            return gate == null ? reply : reply.toCompletableFuture().thenCombineAsync(gate, (v, g) -> v);
        }

        private CompletableFuture<Void> answeredByRedisOwner(String owner) {
            return redisAnswers.computeIfAbsent(owner, o -> new CompletableFuture<>());
        }

        @Override
        public CompletionStage<Long> publish(String channel, String message) {
            if (message.startsWith("ack ")) {
                for (Node n : nodes) {
                    for (Session o : n.inRoom) {
                        violations.add(name + " confirmed a kick while session " + o.id() + " of the userID is still in a"
                                + " room on " + n.name);
                    }
                }
            }
            return link.publish(channel, message);
        }

        @Override
        public void close() {
            link.close();
        }
    }
}
