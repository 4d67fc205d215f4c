package io.parley.server.sfu;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.parley.protocol.media.RtpPacket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One media event loop and what lives on it: its own UDP socket per bound address (every loop's sockets share the
 * media port, {@code SO_REUSEPORT}), and the transports, Producers and Consumers placed here (a room's, or a client's
 * bundle's), with their report timer. All of it runs on this loop only, so forwarding takes no lock; other loops reach
 * it by a task ({@link #execute}). A room holds its MediaLoop ({@link MediaSessions#place()}) so that its streams,
 * and the players of them, share one loop.
 */
public final class MediaLoop {
    private static final Logger log = LoggerFactory.getLogger(MediaLoop.class);

    final MediaPlane plane;
    final int index;
    final EventLoop loop;
    /** This loop's UDP sockets, in the order of {@code media.bindAddress}; the same index on every loop. */
    private List<Channel> udp = List.of();
    /** The Producer's view of the packet it forwards (one per loop: views are not thread-safe). */
    final RtpPacket rtpView = new RtpPacket();
    /** Consumers' view of the packet they copy; apart from {@link #rtpView}, which the Producer holds meanwhile. */
    final RtpPacket forwardView = new RtpPacket();
    private final Set<WebRtcTransport> transports = new LinkedHashSet<>();
    private final Set<Producer> producers = new LinkedHashSet<>();
    private final Set<Consumer> consumers = new LinkedHashSet<>();
    /** Endpoints by {@link MediaEndpoint#tickPhase}: a tick visits only the phases whose turn it is. */
    private final List<Set<MediaEndpoint>> phases = buckets(MediaPlane.QUALITY_EVERY_TICKS);
    /** Transports that send TWCC feedback, by their phase of its period. */
    private final List<Set<WebRtcTransport>> twccPhases = buckets(MediaPlane.TWCC_EVERY_TICKS);
    private int nextTwccPhase;
    /** This loop's Consumers of Producers on other loops, one relay per such Producer. */
    final Map<Producer, Relay> relays = new HashMap<>();
    /** Producers and Consumers placed here, for placement; any thread, approximate. */
    private volatile int load;
    private ScheduledFuture<?> ticker;
    private int ticks;
    private int nextPhase;
    private boolean flushPending;
    private final Runnable flushTask = () -> {
        flushPending = false;
        flush();
    };

    MediaLoop(MediaPlane plane, int index, EventLoop loop) {
        this.plane = plane;
        this.index = index;
        this.loop = loop;
    }

    void sockets(List<Channel> channels) {
        this.udp = List.copyOf(channels);
    }

    List<Channel> sockets() {
        return udp;
    }

    /** This loop's socket for the bound address at {@code i} (the index of the socket a datagram came in on). */
    Channel socket(int i) {
        return udp.get(i);
    }

    int socketIndex(Channel ch) {
        int i = udp.indexOf(ch);
        return Math.max(i, 0);
    }

    ByteBufAllocator alloc() {
        return udp.isEmpty() ? ByteBufAllocator.DEFAULT : udp.get(0).alloc();
    }

    boolean inLoop() {
        return loop.inEventLoop();
    }

    /**
     * Runs a task on this loop; false if it was dropped because the loop is shutting down (the graph is being
     * discarded anyway; a caller that handed over a buffer releases it).
     */
    boolean execute(Runnable task) {
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            if (!loop.isShuttingDown()) {
                throw e;
            }
            log.debug("media task dropped during shutdown");
            return false;
        }
    }

    /** Flushes this loop's sockets after the tasks already queued (hand-offs from other loops batch their writes). */
    void flushSoon() {
        if (!flushPending) {
            flushPending = true;
            execute(flushTask);
        }
    }

    /** Flushes what was queued on this loop's UDP sockets; this loop. */
    void flush() {
        for (Channel ch : udp) {
            ch.flush();
        }
    }

    /** Producers and Consumers placed here (approximate, any thread). */
    int load() {
        return load;
    }

    // ---- registry (this loop) ----

    private static <T> List<Set<T>> buckets(int n) {
        List<Set<T>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new LinkedHashSet<>());
        }
        return out;
    }

    void add(WebRtcTransport t) {
        if (transports.add(t)) {
            t.tickPhase = nextTwccPhase++ % MediaPlane.TWCC_EVERY_TICKS;
            twccPhases.get(t.tickPhase).add(t);
        }
    }

    void remove(WebRtcTransport t) {
        if (transports.remove(t)) {
            twccPhases.get(t.tickPhase).remove(t);
        }
    }

    void track(Producer p) {
        if (producers.add(p)) {
            place(p);
        }
    }

    void track(Consumer c) {
        if (consumers.add(c)) {
            place(c);
        }
    }

    private void place(MediaEndpoint e) {
        e.tickPhase = nextPhase++ % MediaPlane.QUALITY_EVERY_TICKS;
        phases.get(e.tickPhase).add(e);
        load++;
    }

    void forget(Producer p) {
        if (producers.remove(p)) {
            phases.get(p.tickPhase).remove(p);
            load--;
        }
    }

    void forget(Consumer c) {
        if (consumers.remove(c)) {
            phases.get(c.tickPhase).remove(c);
            load--;
        }
    }

    int transportCount() {
        return transports.size();
    }

    // ---- timers ----

    /** Starts the timer on this loop's slice of the tick ({@code loops} slices). */
    void startTicker(int loops) {
        long period = TimeUnit.MILLISECONDS.toNanos(MediaPlane.TICK_MILLIS);
        ticker = loop.scheduleAtFixedRate(this::tick, period + period * index / loops, period, TimeUnit.NANOSECONDS);
    }

    void stopTicker() {
        if (ticker != null) {
            ticker.cancel(false);
        }
    }

    /**
     * Every {@link MediaPlane#TICK_MILLIS}: the transports whose turn it is send TWCC feedback (each every 100 ms), and
     * the endpoints whose phase falls on this tick send their RTCP reports (each once a second) and quality snapshots
     * (each every 3 s), so that thousands of endpoints do not report in one burst.
     */
    void tick() {
        long now = plane.clock().nanoTime();
        int tick = ticks++;
        // Timeouts are checked once a second, on the same instants as when the timer ticked once a second
        // (1 s, 2 s, ... after start), so that how long a silent peer lives did not change with the finer tick.
        if (tick % MediaPlane.REPORT_EVERY_TICKS == MediaPlane.REPORT_EVERY_TICKS - 1) {
            long timeout = plane.config().iceTimeout().toNanos();
            for (WebRtcTransport t : new ArrayList<>(transports)) {
                t.check(now, timeout);
            }
        }
        // TWCC feedback every 100 ms (libwebrtc's default feedback interval): a sender's estimator wants arrival
        // times often, and at 50 audio packets a second that is one small RTCP packet per 5 packets.
        for (WebRtcTransport t : twccPhases.get(tick % MediaPlane.TWCC_EVERY_TICKS)) {
            if (t.transportCc != null) {
                t.sendTransportCc();
            }
        }
        int reportSlot = tick % MediaPlane.REPORT_EVERY_TICKS;
        int qualitySlot = tick % MediaPlane.QUALITY_EVERY_TICKS;
        for (int phase = reportSlot; phase < MediaPlane.QUALITY_EVERY_TICKS; phase += MediaPlane.REPORT_EVERY_TICKS) {
            boolean quality = phase == qualitySlot;
            for (MediaEndpoint e : phases.get(phase)) {
                if (e instanceof Producer p) {
                    p.measureRate(now);
                    p.sendReceiverReport(now);
                    if (quality) {
                        p.reportQuality(now);
                    }
                } else if (e instanceof Consumer c) {
                    c.sendSenderReport(now);
                    if (quality) {
                        c.reportQuality(now);
                    }
                }
            }
        }
        flush();
    }

    /** Closes every Producer (and with them their Consumers) and any Consumer left; this loop. */
    void closeAll() {
        for (Producer p : new ArrayList<>(producers)) {
            p.close();
        }
        for (Consumer c : new ArrayList<>(consumers)) {
            c.close();
        }
    }

    @Override
    public String toString() {
        return "media loop " + index;
    }
}
