package io.parley.server.sfu;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** ICE-TCP connections of the media plane: written on the media loop, read by metrics and tests. */
public final class IceTcpCounters {
    /** Why a connection was refused at accept. */
    public enum Refusal { NODE, ADDRESS }

    /** Why the server closed a connection (a peer's own close is not counted here). */
    public enum Close {
        /** No valid ICE check (STUN binding request for a known transport) within the deadline. */
        NO_ICE_CHECK,
        /** A frame longer than the cap (RFC 4571's length field allows 64 KiB; no packet of ours is that big). */
        FRAME_TOO_LARGE,
        /** The first frame was not a STUN binding request for a known transport. */
        NOT_ICE,
        /** Nothing received for media.iceTimeout. */
        IDLE
    }

    private final Map<Refusal, LongAdder> refused = new EnumMap<>(Refusal.class);
    private final Map<Close, LongAdder> closed = new EnumMap<>(Close.class);
    final LongAdder accepted = new LongAdder();
    final LongAdder sendDropped = new LongAdder();
    volatile int open;

    IceTcpCounters() {
        for (Refusal r : Refusal.values()) {
            refused.put(r, new LongAdder());
        }
        for (Close c : Close.values()) {
            closed.put(c, new LongAdder());
        }
    }

    void refuse(Refusal r) {
        refused.get(r).increment();
    }

    void close(Close c) {
        closed.get(c).increment();
    }

    public long accepted() {
        return accepted.sum();
    }

    public long refused(Refusal r) {
        return refused.get(r).sum();
    }

    public long closed(Close c) {
        return closed.get(c).sum();
    }

    /** Outbound packets dropped because the connection's send buffer was full (a TCP peer that stopped reading). */
    public long sendDropped() {
        return sendDropped.sum();
    }

    /** Connections open right now; any thread, approximate. */
    public int open() {
        return open;
    }
}
