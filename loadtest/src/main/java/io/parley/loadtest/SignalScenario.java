package io.parley.loadtest;

import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.protocol.signal.Messages;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * N sessions in rooms of M members, logged in at R per second; once all are in, publish/unpublish churn (each
 * startPublishing is timed to every member's roomStreamUpdate ADD) and optional logout/login churn.
 */
final class SignalScenario implements Scenario {
    private final CommonOptions common;
    private final Tokens tokens;
    private final int sessions;
    private final int roomSize;
    private final double loginRate;
    private final double publishRate;
    private final Duration publishHold;
    private final double reloginRate;
    private final boolean userUpdates;
    private final Duration warmup;
    private final String tag = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36), 36);
    private final Bots bots;
    /** A publish in flight: when it was sent and how many members have yet to hear of it. */
    private record Pending(long sent, AtomicInteger remaining) {}

    private final Map<String, Pending> publishedAt = new ConcurrentHashMap<>();
    private final AtomicLong streamSeq = new AtomicLong();
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicInteger settled = new AtomicInteger();
    /** How long logins still in flight at the deadline are waited for. */
    static final long SETTLE_GRACE_NANOS = 30_000_000_000L;
    private final AtomicInteger inFlight = new AtomicInteger();
    static final int WARMUP_SESSIONS = 200;
    private volatile boolean stopped;
    private volatile SignalScenario warming;
    private volatile String phase = "new";
    private Stats stats;

    SignalScenario(CommonOptions common, Tokens tokens, int sessions, int roomSize, double loginRate, double publishRate,
                   Duration publishHold, double reloginRate, boolean userUpdates, Duration warmup) {
        this.common = common;
        this.tokens = tokens;
        this.sessions = sessions;
        this.roomSize = roomSize;
        this.loginRate = loginRate;
        this.publishRate = publishRate;
        this.publishHold = publishHold;
        this.reloginRate = reloginRate;
        this.userUpdates = userUpdates;
        this.warmup = warmup;
        this.bots = new Bots(sessions, roomSize);
    }

    @Override
    public String name() {
        return "signal";
    }

    @Override
    public Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("url", common.url.toString());
        m.put("appID", tokens.appId());
        m.put("sessions", sessions);
        m.put("roomSize", roomSize);
        m.put("rooms", bots.rooms());
        m.put("loginRate", loginRate);
        m.put("publishRate", publishRate);
        m.put("publishHoldMs", publishHold.toMillis());
        m.put("reloginRate", reloginRate);
        m.put("userUpdates", userUpdates);
        m.put("durationSeconds", common.duration.toMillis() / 1000.0);
        m.put("warmupSeconds", warmup.toMillis() / 1000.0);
        m.put("runTag", tag);
        return m;
    }

    @Override
    public String progress() {
        SignalScenario w = warming;
        return w != null ? "warm-up (not measured) " + w.settled.get() + "/" + w.sessions : phase + " " + settled.get() + "/" + sessions;
    }

    @Override
    public Map<String, Object> figures() {
        return Map.of("logins_settled", settled.get(), "sessions_started", started.get());
    }

    @Override
    public void run(Stats stats, long deadline) throws InterruptedException {
        this.stats = stats;
        if (!warmup.isZero()) {
            phase = "warm-up";
            warmUp(deadline);
        }
        phase = "ramp-up";
        long t0 = System.nanoTime();
        for (int i = 0; i < sessions && !over(deadline); i++) {
            long due = t0 + (long) (i * 1e9 / loginRate);
            while (System.nanoTime() - due < 0 && !over(deadline)) {
                LockSupport.parkNanos(Math.min(due - System.nanoTime(), 1_000_000));
            }
            if (!over(deadline)) {
                start(i);
            }
        }
        phase = "settling";
        // Logins in flight are waited for (bounded) even past the deadline: a slow machine must not turn them into errors.
        Waits.until(() -> settled.get() >= started.get(), Waits.past(deadline, SETTLE_GRACE_NANOS), () -> stopped);
        phase = "steady";
        stats.steady();
        long s0 = System.nanoTime();
        long publishes = 0;
        long relogins = 0;
        while (!over(deadline)) {
            double elapsed = (System.nanoTime() - s0) / 1e9;
            while (publishes < (long) (elapsed * publishRate) + (publishRate > 0 ? 1 : 0) && !over(deadline)) {
                publish(publishes++);
            }
            while (relogins < (long) (elapsed * reloginRate) && !over(deadline)) {
                relogins++;
                relogin();
            }
            LockSupport.parkNanos(1_000_000L); // pace the publish and relogin schedule at 1 ms
        }
        phase = "draining";
        drain();
        stats.ending();
        phase = "closing";
        closeAll(10_000);
        phase = "done";
    }

    /**
     * Runs a small copy of this scenario (at most {@value #WARMUP_SESSIONS} sessions, its own rooms) for the warm-up
     * time and throws its figures away, so that neither JVM measures its own JIT compilation.
     */
    private void warmUp(long deadline) throws InterruptedException {
        int n = Math.min(WARMUP_SESSIONS, sessions);
        SignalScenario w = new SignalScenario(common, tokens, n, Math.min(roomSize, n), loginRate,
                Math.max(publishRate, 5), Duration.ofMillis(Math.min(publishHold.toMillis(), 500)), reloginRate, userUpdates,
                Duration.ZERO);
        warming = w;
        long end = Math.min(System.nanoTime() + warmup.toNanos(), deadline);
        w.run(new Stats(), end);
        warming = null;
    }

    /** Lets the pushes of the last actions arrive (at most 2 s) so that they are not counted as missing. */
    private void drain() throws InterruptedException {
        Waits.until(() -> inFlight.get() == 0
                        && stats.count(Stats.Counter.FANOUT_RECEIVED) >= stats.count(Stats.Counter.FANOUT_EXPECTED),
                System.nanoTime() + 2_000_000_000L, () -> stopped);
    }

    private boolean over(long deadline) {
        return stopped || System.nanoTime() - deadline >= 0;
    }

    @Override
    public void stop() {
        stopped = true;
        SignalScenario w = warming;
        if (w != null) {
            w.stop();
        }
    }

    private void start(int i) {
        started.incrementAndGet();
        int room = bots.roomOf(i);
        String userId = "lt" + tag + "-u" + i;
        String roomId = "lt" + tag + "-r" + room;
        Bot b = new Bot(i, room, userId, roomId, ParleyEngine.create(tokens.appId(), common.url));
        bots.put(b);
        listen(b);
        tokens.token(userId, roomId).thenCompose(tok -> {
            b.token = tok;
            long c0 = System.nanoTime();
            return b.engine.heartbeat().thenApply(r -> {
                stats.record(Stats.Timer.CONNECT, System.nanoTime() - c0);
                return r;
            });
        }).whenComplete((r, e) -> {
            if (e != null) {
                settled.incrementAndGet();
                stats.add(Stats.Counter.LOGIN_FAILURES);
                stats.error("connect " + common.url + ": " + Bots.cause(e));
            } else {
                login(b, true);
            }
        });
    }

    private void listen(Bot b) {
        b.engine.setRoomStreamUpdateListener((roomID, type, list, extended) -> {
            if (!Messages.ADD.equals(type)) {
                return;
            }
            long now = System.nanoTime();
            for (Messages.StreamInfo s : list) {
                Pending p = publishedAt.get(s.streamID());
                if (p != null && b.wasInRoomBefore(p.sent())) {
                    stats.record(Stats.Timer.STREAM_FANOUT, now - p.sent());
                    stats.add(Stats.Counter.FANOUT_RECEIVED);
                    if (p.remaining().decrementAndGet() == 0) {
                        stats.record(Stats.Timer.STREAM_FANOUT_ALL, now - p.sent());
                    }
                }
            }
        });
        b.engine.setRoomUserUpdateListener((roomID, type, list) -> {
            if (!Messages.ADD.equals(type)) {
                return;
            }
            long now = System.nanoTime();
            for (Messages.User u : list) {
                Bot other = bots.byUser(u.userID());
                if (other != null && b.wasInRoomBefore(other.loginSentAt)) {
                    stats.record(Stats.Timer.USER_FANOUT, now - other.loginSentAt);
                    stats.add(Stats.Counter.USER_FANOUT_RECEIVED);
                }
            }
        });
        Bots.watch(b, stats);
    }

    private void login(Bot b, boolean first) {
        long sent = System.nanoTime();
        b.loginSentAt = sent;
        b.engine.loginRoom(b.roomId, b.token, b.user(), new Messages.RoomConfig(userUpdates, 0)).whenComplete((r, e) -> {
            long now = System.nanoTime();
            if (first) {
                settled.incrementAndGet();
            }
            b.busy = false;
            if (e != null || !r.ok()) {
                stats.add(Stats.Counter.LOGIN_FAILURES);
                stats.error("loginRoom: " + (e != null ? Bots.cause(e) : r.code() + " " + r.message()));
                return;
            }
            stats.record(Stats.Timer.LOGIN, now - sent);
            stats.add(Stats.Counter.LOGINS);
            bots.entered(b, now);
            stats.sessionUp();
        });
    }

    private void publish(long n) {
        Bot b = bots.pickIdle((int) (n % bots.rooms()));
        if (b == null) {
            return; // every member of that room is busy or out
        }
        b.busy = true;
        String streamId = "s" + tag + "-" + streamSeq.incrementAndGet();
        int others = bots.membersOf(b.room) - 1;
        long sent = System.nanoTime();
        publishedAt.put(streamId, new Pending(sent, new AtomicInteger(others)));
        inFlight.incrementAndGet();
        b.engine.startPublishing(streamId, "").whenComplete((r, e) -> {
            long now = System.nanoTime();
            inFlight.decrementAndGet();
            if (e != null || !r.ok()) {
                publishedAt.remove(streamId);
                b.busy = false;
                stats.error("startPublishing: " + (e != null ? Bots.cause(e) : r.code() + " " + r.message()));
                return;
            }
            stats.record(Stats.Timer.PUBLISH, now - sent);
            stats.add(Stats.Counter.PUBLISHES);
            stats.add(Stats.Counter.FANOUT_EXPECTED, others);
            Bots.SCHEDULER.schedule(() -> unpublish(b, streamId), publishHold.toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    private void unpublish(Bot b, String streamId) {
        if (b.closing) {
            return;
        }
        b.engine.stopPublishing(streamId).whenComplete((r, e) -> {
            // late ADDs (slower than the hold) are still timed for a while
            Bots.SCHEDULER.schedule(() -> publishedAt.remove(streamId), 10, TimeUnit.SECONDS);
            b.busy = false;
            if (e != null || !r.ok()) {
                if (!b.closing) {
                    stats.error("stopPublishing: " + (e != null ? Bots.cause(e) : r.code() + " " + r.message()));
                }
                return;
            }
            stats.add(Stats.Counter.UNPUBLISHES);
        });
    }

    private void relogin() {
        Bot b = bots.pickIdle(ThreadLocalRandom.current().nextInt(bots.rooms()));
        if (b == null) {
            return;
        }
        b.busy = true;
        // out of the fan-out count from the moment the logout is sent: the server may not tell it of later streams
        bots.left(b);
        stats.sessionDown();
        b.engine.logoutRoom(b.roomId).whenComplete((Result r, Throwable e) -> {
            if (e != null || !r.ok()) {
                b.busy = false;
                stats.error("logoutRoom: " + (e != null ? Bots.cause(e) : r.code() + " " + r.message()));
                return;
            }
            stats.add(Stats.Counter.LOGOUTS);
            login(b, false);
        });
    }

    @Override
    public void closeAll(long millis) {
        CompletableFuture<?> all = bots.closeAll(stats);
        try {
            all.get(millis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // what did not close in time is dropped with the process
        }
    }
}
