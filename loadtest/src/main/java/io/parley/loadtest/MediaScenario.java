package io.parley.loadtest;

import io.parley.client.ParleyEngine;
import io.parley.client.media.MediaConfig;
import io.parley.client.media.Publisher;
import io.parley.client.media.ReceivedPacket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Per room: P publishers log in and publish with media, then S players log in and play every stream of their room.
 * Payloads carry their send time and index, so each player times forwarding and counts loss itself.
 */
final class MediaScenario implements Scenario {
    /** A publishing bot: its stream and how many packets it has sent (= the next packet's index). */
    static final class Stream {
        final Bot bot;
        final String streamId;
        volatile Publisher publisher;
        volatile long sent;
        /** The index of the first packet sent once every player was set up (-1: not yet). */
        volatile long steadyIndex = -1;

        Stream(Bot bot, String streamId) {
            this.bot = bot;
            this.streamId = streamId;
        }
    }

    /** One player playing one stream; touched by that player's transport loop only, read at the end. */
    static final class Subscription {
        final Stream stream;
        volatile long baseIndex = -1;
        volatile long firstIndex = -1;
        volatile long received;
        volatile long receivedSteady;
        volatile boolean connected;

        Subscription(Stream stream) {
            this.stream = stream;
        }
    }

    private final CommonOptions common;
    private final Tokens tokens;
    private final int rooms;
    private final int publishers;
    private final int players;
    private final int minSize;
    private final int maxSize;
    private final int packetRate;
    private final double loginRate;
    private final java.time.Duration mediaTimeout;
    private final String tag = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36), 36);
    private final List<Bot> bots = new CopyOnWriteArrayList<>();
    private final List<Stream> streams = new CopyOnWriteArrayList<>();
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final AtomicInteger publishersUp = new AtomicInteger();
    private final AtomicInteger playersUp = new AtomicInteger();
    private final AtomicInteger settled = new AtomicInteger();
    private final AtomicInteger mediaFailures = new AtomicInteger();
    private final AtomicInteger playersSettled = new AtomicInteger();
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "loadtest-sender");
        t.setDaemon(true);
        t.setPriority(Thread.MAX_PRIORITY);
        return t;
    });
    private volatile boolean stopped;
    private volatile String phase = "new";
    private Stats stats;

    MediaScenario(CommonOptions common, Tokens tokens, int rooms, int publishers, int players, int minSize, int maxSize,
                  int packetRate, double loginRate, java.time.Duration mediaTimeout) {
        this.common = common;
        this.tokens = tokens;
        this.rooms = rooms;
        this.publishers = publishers;
        this.players = players;
        this.minSize = minSize;
        this.maxSize = maxSize;
        this.packetRate = packetRate;
        this.loginRate = loginRate;
        this.mediaTimeout = mediaTimeout;
    }

    private long steadyNanos = -1;
    private boolean bundle;
    private java.time.Duration warmup = java.time.Duration.ZERO;
    /** The warm-up copy running now, if any (for progress and stop). */
    private volatile MediaScenario warming;
    /** At most this many rooms, and players per room, in a warm-up copy. */
    static final int WARMUP_ROOMS = 5;
    static final int WARMUP_PLAYERS = 10;

    /** Runs small copies of the scenario for {@code d} first and discards their figures (see MediaCommand --warmup). */
    MediaScenario warmup(java.time.Duration d) {
        warmup = d;
        return this;
    }

    /** Every session bundles its streams on one transport (ParleyEngine.setMediaBundle). */
    MediaScenario bundle(boolean on) {
        bundle = on;
        return this;
    }

    /** Ends the run {@code d} after the steady phase begins (null: at the deadline). */
    MediaScenario steadyFor(java.time.Duration d) {
        steadyNanos = d == null ? -1 : d.toNanos();
        return this;
    }

    /** The end of the steady phase: the deadline, or --steady after now if that is earlier. */
    private long steadyEnd(long deadline) {
        if (steadyNanos < 0) {
            return deadline;
        }
        long end = System.nanoTime() + steadyNanos;
        return end - deadline < 0 ? end : deadline;
    }

    @Override
    public String name() {
        return "media";
    }

    @Override
    public Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("url", common.url.toString());
        m.put("appID", tokens.appId());
        m.put("rooms", rooms);
        m.put("publishersPerRoom", publishers);
        m.put("playersPerRoom", players);
        m.put("packetSizeMin", minSize);
        m.put("packetSizeMax", maxSize);
        m.put("packetRate", packetRate);
        m.put("loginRate", loginRate);
        m.put("mediaTimeoutSeconds", mediaTimeout.toMillis() / 1000.0);
        m.put("bundle", bundle);
        m.put("warmupSeconds", warmup.toMillis() / 1000.0);
        m.put("durationSeconds", common.duration.toMillis() / 1000.0);
        m.put("runTag", tag);
        m.put("expectedPacketsOutPerSecond", (long) rooms * players * publishers * packetRate);
        return m;
    }

    @Override
    public String progress() {
        MediaScenario w = warming;
        if (w != null) {
            return "warm-up (not measured) " + w.progress();
        }
        return phase + " | publishers " + publishersUp.get() + "/" + rooms * publishers + " players " + playersUp.get() + "/"
                + rooms * players;
    }

    @Override
    public Map<String, Object> figures() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("publishers_connected", publishersUp.get());
        m.put("players_connected", playersUp.get());
        m.put("subscriptions", subscriptions.size());
        m.put("media_failures", mediaFailures.get());
        m.putAll(loss());
        return m;
    }

    @Override
    public void run(Stats stats, long deadline) throws InterruptedException {
        this.stats = stats;
        if (!warmup.isZero()) {
            warmUp(Math.min(System.nanoTime() + warmup.toNanos(), deadline));
        }
        phase = "publishers";
        long t0 = System.nanoTime();
        int started = 0;
        for (int r = 0; r < rooms; r++) {
            for (int j = 0; j < publishers && !over(deadline); j++) {
                pace(t0, started++, deadline);
                startPublisher(r, j);
            }
        }
        int publishersStarted = started;
        Waits.until(() -> settled.get() >= publishersStarted, Waits.past(deadline, SignalScenario.SETTLE_GRACE_NANOS), () -> stopped);
        // each stream on its own phase, spread over the packet period: independent clients are not in step, and
        // packets of all publishers sent at once would arrive as one burst of every copy and time the burst
        long period = 1_000_000_000L / packetRate;
        List<Stream> all = List.copyOf(streams);
        for (int i = 0; i < all.size(); i++) {
            Stream s = all.get(i);
            sender.scheduleAtFixedRate(() -> send(s), period * i / all.size(), period, TimeUnit.NANOSECONDS);
        }
        phase = "players";
        t0 = System.nanoTime();
        int joined = 0;
        for (int k = 0; k < players && !over(deadline); k++) {
            for (int r = 0; r < rooms && !over(deadline); r++) {
                pace(t0, joined++, deadline);
                startPlayer(r, k);
            }
        }
        phase = "players settling";
        int playersJoined = joined;
        Waits.until(() -> playersSettled.get() >= playersJoined, Waits.past(deadline, SignalScenario.SETTLE_GRACE_NANOS), () -> stopped);
        // The queues of the ramp drain: every player is within a packet or two of its stream (at most 1 s).
        Waits.until(() -> caughtUp(2), Math.min(deadline, System.nanoTime() + 1_000_000_000L), () -> stopped);
        for (Stream s : streams) {
            s.steadyIndex = s.sent;
        }
        phase = "steady";
        stats.steady();
        Waits.until(() -> false, steadyEnd(deadline), () -> stopped);
        phase = "draining";
        sender.shutdown();
        sender.awaitTermination(1, TimeUnit.SECONDS);
        drain();
        stats.ending();
        phase = "closing";
        closeAll(10_000);
        phase = "done";
    }

    /**
     * Runs small copies of this scenario (own rooms: each copy has its own run tag) one after another until {@code end},
     * each closed before the next, and throws their figures away: the first joins of a fresh JVM run the DTLS, SRTP
     * and SDP code interpreted, on both ends, and would otherwise be what a short ramp measures.
     */
    private void warmUp(long end) throws InterruptedException {
        phase = "warm-up";
        while (!over(end)) {
            MediaScenario w = new MediaScenario(common, tokens, Math.min(rooms, WARMUP_ROOMS), publishers,
                    Math.min(players, WARMUP_PLAYERS), minSize, maxSize, packetRate, loginRate, mediaTimeout)
                    .bundle(bundle).steadyFor(java.time.Duration.ofMillis(500));
            warming = w;
            try {
                w.run(new Stats(), end);
            } finally {
                w.closeAll(10_000);
                warming = null;
            }
        }
    }

    /**
     * Packets in flight reach their players. A starved machine can hold a second or more of them in its queues, and
     * a packet that arrives late is not lost: wait while packets keep arriving, until none is missing, or none arrived
     * for {@link #DRAIN_QUIET_NANOS} (a lost packet never arrives), or {@link #DRAIN_MAX_NANOS} passed.
     */
    private void drain() {
        long start = System.nanoTime();
        long seen = receivedSoFar();
        long lastProgress = start;
        while (!stopped && !caughtUp(0)) {
            long now = System.nanoTime();
            long n = receivedSoFar();
            if (n != seen) {
                seen = n;
                lastProgress = now;
            } else if (now - lastProgress >= DRAIN_QUIET_NANOS) {
                return;
            }
            if (now - start >= DRAIN_MAX_NANOS) {
                return;
            }
            LockSupport.parkNanos(5_000_000);
        }
    }

    /** How long the drain waits without a packet arriving before it takes what is missing as lost. */
    static final long DRAIN_QUIET_NANOS = 500_000_000L;
    /** The drain's bound, whatever arrives. */
    static final long DRAIN_MAX_NANOS = 10_000_000_000L;

    private long receivedSoFar() {
        long n = 0;
        for (Subscription sub : subscriptions) {
            n += sub.received;
        }
        return n;
    }

    private void pace(long t0, int i, long deadline) {
        long due = t0 + (long) (i * 1e9 / loginRate);
        while (System.nanoTime() - due < 0 && !over(deadline)) {
            LockSupport.parkNanos(Math.min(due - System.nanoTime(), 1_000_000));
        }
    }

    /** Every player that got a packet has all but {@code slack} of what its stream sent since. */
    private boolean caughtUp(long slack) {
        for (Subscription sub : subscriptions) {
            if (sub.firstIndex >= 0 && sub.stream.sent - (sub.firstIndex + sub.received) > slack) {
                return false;
            }
        }
        return true;
    }

    private boolean over(long deadline) {
        return stopped || System.nanoTime() - deadline >= 0;
    }

    @Override
    public void stop() {
        stopped = true;
        MediaScenario w = warming;
        if (w != null) {
            w.stop();
        }
    }

    private Bot newBot(int room, String who) {
        String userId = "lt" + tag + "-r" + room + "-" + who;
        String roomId = "lt" + tag + "-r" + room;
        Bot b = new Bot(bots.size(), room, userId, roomId, ParleyEngine.create(tokens.appId(), common.url));
        b.engine.setMediaConfig(MediaConfig.DEFAULTS.withTimeouts(mediaTimeout, mediaTimeout));
        b.engine.setMediaBundle(bundle);
        bots.add(b);
        Bots.watch(b, stats);
        return b;
    }


    private void startPublisher(int room, int j) {
        Bot b = newBot(room, "pub" + j);
        Stream s = new Stream(b, "lt" + tag + "-r" + room + "-s" + j);
        Bots.enter(b, tokens, stats).thenCompose(in -> {
            if (!in) {
                return CompletableFuture.completedFuture((Publisher) null);
            }
            long p0 = System.nanoTime();
            return b.engine.startPublishingMedia(s.streamId, "").thenApply(p -> {
                stats.record(Stats.Timer.MEDIA_SETUP, System.nanoTime() - p0);
                stats.add(Stats.Counter.PUBLISHES);
                s.publisher = p;
                streams.add(s);
                publishersUp.incrementAndGet();
                return p;
            });
        }).whenComplete((p, e) -> {
            if (e != null) {
                mediaFailures.incrementAndGet();
                stats.error("startPublishing with media: " + Bots.cause(e));
            }
            settled.incrementAndGet();
        });
    }

    private void send(Stream s) {
        Publisher p = s.publisher;
        if (p == null || !p.isConnected() || s.bot.closing) {
            return;
        }
        int size = minSize == maxSize ? minSize : ThreadLocalRandom.current().nextInt(minSize, maxSize + 1);
        ByteBuffer payload = ByteBuffer.allocate(size);
        payload.putLong(System.nanoTime()).putLong(s.sent);
        if (p.sendFrame(payload.array())) {
            s.sent++;
            stats.add(Stats.Counter.PACKETS_SENT);
        }
    }

    private void startPlayer(int room, int k) {
        Bot b = newBot(room, "play" + k);
        Bots.enter(b, tokens, stats).thenAccept(in -> {
            if (!in) {
                return;
            }
            boolean[] heard = new boolean[1];
            List<CompletableFuture<?>> all = new ArrayList<>();
            for (Stream s : streams) {
                if (s.bot.room != room) {
                    continue;
                }
                Subscription sub = new Subscription(s);
                subscriptions.add(sub);
                long p0 = System.nanoTime();
                all.add(b.engine.startPlaying(s.streamId, packet -> onPacket(b, sub, packet, heard)).whenComplete((p, e) -> {
                    if (e != null) {
                        mediaFailures.incrementAndGet();
                        stats.error("startPlaying with media: " + Bots.cause(e));
                        return;
                    }
                    stats.record(Stats.Timer.MEDIA_SETUP, System.nanoTime() - p0);
                    sub.baseIndex = s.sent;
                    sub.connected = true;
                }));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
                if (e == null) {
                    playersUp.incrementAndGet();
                }
                playersSettled.incrementAndGet();
            });
        }).whenComplete((v, e) -> {
            if (e != null || !b.inRoom()) {
                playersSettled.incrementAndGet(); // the login failed (counted as an error)
            }
        });
    }

    /** On the player's transport loop: time the packet, count it, and time the player's first audio. */
    private void onPacket(Bot b, Subscription sub, ReceivedPacket packet, boolean[] heard) {
        long now = System.nanoTime();
        byte[] p = packet.payload();
        if (p.length < MediaCommand.HEADER_BYTES) {
            stats.error("a packet of " + p.length + " bytes (expected: >= " + MediaCommand.HEADER_BYTES + ")");
            return;
        }
        ByteBuffer bb = ByteBuffer.wrap(p);
        long stamp = bb.getLong();
        long index = bb.getLong();
        long steady = sub.stream.steadyIndex;
        boolean inSteady = steady >= 0 && index >= steady;
        stats.record(inSteady ? Stats.Timer.FORWARDING : Stats.Timer.FORWARDING_RAMP, now - stamp);
        stats.add(Stats.Counter.PACKETS_RECEIVED);
        if (sub.firstIndex < 0) {
            sub.firstIndex = index;
        }
        if (index >= sub.firstIndex) {
            sub.received++;
        }
        if (inSteady) {
            sub.receivedSteady++;
        }
        synchronized (heard) {
            if (!heard[0]) {
                heard[0] = true;
                stats.record(Stats.Timer.FIRST_AUDIO, now - b.loginSentAt);
            }
        }
    }

    /**
     * Loss over every subscription: expected are the packets its stream sent from the first one the player got (or,
     * if it got none, from when its transport connected). Exact after the drain at the end of a run; an interrupted
     * run also counts the packets still in flight (about one per subscription) as lost.
     */
    private Map<String, Object> loss() {
        long expected = 0;
        long counted = 0;
        long expectedSteady = 0;
        long countedSteady = 0;
        for (Subscription sub : subscriptions) {
            long sent = sub.stream.sent;
            long steady = sub.stream.steadyIndex;
            if (sub.firstIndex >= 0) {
                expected += sent - sub.firstIndex;
                counted += Math.min(sub.received, sent - sub.firstIndex);
            } else if (sub.connected) {
                expected += sent - sub.baseIndex;
            }
            if (steady >= 0 && sub.connected) {
                long from = sub.firstIndex >= 0 ? Math.max(steady, sub.firstIndex) : Math.max(steady, sub.baseIndex);
                expectedSteady += Math.max(0, sent - from);
                countedSteady += Math.min(sub.receivedSteady, Math.max(0, sent - from));
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("packets_expected", expected);
        m.put("packets_received_in_window", counted);
        m.put("packets_lost", expected - counted);
        m.put("packet_loss_percent", expected == 0 ? 0.0 : Report.round(100.0 * (expected - counted) / expected));
        m.put("steady_packets_expected", expectedSteady);
        m.put("steady_packets_lost", expectedSteady - countedSteady);
        m.put("steady_packet_loss_percent", expectedSteady == 0 ? 0.0
                : Report.round(100.0 * (expectedSteady - countedSteady) / expectedSteady));
        return m;
    }

    @Override
    public void closeAll(long millis) {
        sender.shutdownNow();
        List<CompletableFuture<?>> closing = new ArrayList<>();
        for (Bot b : bots) {
            if (b.closing) {
                continue;
            }
            b.closing = true;
            if (b.loggedInAt != 0) {
                b.loggedInAt = 0;
                stats.sessionDown();
            }
            b.engine.close();
            closing.add(b.engine.closed().exceptionally(e -> null));
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(millis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // what did not close in time goes with the process
        }
    }
}
