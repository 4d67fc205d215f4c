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
    /** STUN error replies per source: a source's datagrams always reach the same socket (4-tuple hash), so its loop. */
    final StunErrorLimiter stunErrors;
    private final Set<WebRtcTransport> transports = new LinkedHashSet<>();
    private final Set<Producer> producers = new LinkedHashSet<>();
    private final Set<Consumer> consumers = new LinkedHashSet<>();
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
        this.stunErrors = new StunErrorLimiter(plane.config().stunErrorRepliesPerSecond());
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

    void add(WebRtcTransport t) {
        transports.add(t);
    }

    void remove(WebRtcTransport t) {
        transports.remove(t);
    }

    void track(Producer p) {
        p.tickPhase = nextPhase++ % MediaPlane.QUALITY_EVERY_TICKS;
        if (producers.add(p)) {
            load++;
        }
    }

    void track(Consumer c) {
        c.tickPhase = nextPhase++ % MediaPlane.QUALITY_EVERY_TICKS;
        if (consumers.add(c)) {
            load++;
        }
    }

    void forget(Producer p) {
        if (producers.remove(p)) {
            load--;
        }
    }

    void forget(Consumer c) {
        if (consumers.remove(c)) {
            load--;
        }
    }

    int transportCount() {
        return transports.size();
    }

    // ---- timers ----

    void startTicker() {
        ticker = loop.scheduleAtFixedRate(this::tick, MediaPlane.TICK_MILLIS, MediaPlane.TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    void stopTicker() {
        if (ticker != null) {
            ticker.cancel(false);
        }
    }

    /**
     * Every {@link MediaPlane#TICK_MILLIS}: the endpoints whose phase falls on this tick send their RTCP reports (each
     * once a second) and quality updates (each every 3 s), so that thousands of endpoints do not report in one burst.
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
        // TWCC feedback every tick (100 ms, libwebrtc's default feedback interval): a sender's estimator wants arrival
        // times often, and at 50 audio packets a second that is one small RTCP packet per 5 packets.
        for (WebRtcTransport t : transports) {
            if (t.transportCc != null) {
                t.sendTransportCc();
            }
        }
        int reportSlot = tick % MediaPlane.REPORT_EVERY_TICKS;
        int qualitySlot = tick % MediaPlane.QUALITY_EVERY_TICKS;
        for (Producer p : producers) {
            if (p.tickPhase % MediaPlane.REPORT_EVERY_TICKS == reportSlot) {
                p.measureRate(now);
                p.sendReceiverReport(now);
            }
            if (p.tickPhase == qualitySlot) {
                p.reportQuality(now);
            }
        }
        for (Consumer c : consumers) {
            if (c.tickPhase % MediaPlane.REPORT_EVERY_TICKS == reportSlot) {
                c.sendSenderReport(now);
            }
            if (c.tickPhase == qualitySlot) {
                c.reportQuality(now);
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
