package io.parley.server.sfu;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * How many STUN error replies (400, 401) each source IP address may get per second, so the media port is no
 * reflector: a spoofed source cannot have us send a stream of answers to a victim. A token bucket per address
 * (burst = one second's worth); at most {@link #MAX_TRACKED} addresses are tracked, and when that many are busy a
 * new one gets nothing (fail closed). Shared by the media loops (one IP's ports may hash to different sockets), so its
 * methods synchronize: they run only for failed checks, never for media.
 */
final class StunErrorLimiter {
    static final int MAX_TRACKED = 4096;

    private static final class Bucket {
        double tokens;
        long refilledNanos;
    }

    private final Map<InetAddress, Bucket> buckets = new HashMap<>();
    private final int perSecond;

    StunErrorLimiter(int perSecond) {
        this.perSecond = perSecond;
    }

    /** True if an error reply may be sent to {@code to} now (and it is counted). */
    synchronized boolean allow(InetAddress to, long nowNanos) {
        if (perSecond <= 0) {
            return false;
        }
        Bucket b = buckets.get(to);
        if (b == null) {
            if (buckets.size() >= MAX_TRACKED && !evictFull(nowNanos)) {
                return false;
            }
            b = new Bucket();
            b.tokens = perSecond;
            b.refilledNanos = nowNanos;
            buckets.put(to, b);
        } else {
            b.tokens = Math.min(perSecond, b.tokens + (nowNanos - b.refilledNanos) * perSecond / 1e9);
            b.refilledNanos = nowNanos;
        }
        if (b.tokens < 1) {
            return false;
        }
        b.tokens -= 1;
        return true;
    }

    /** Forgets addresses whose bucket has refilled (idle for a second or more); true if room was made. */
    private boolean evictFull(long nowNanos) {
        for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
            if (nowNanos - it.next().refilledNanos >= 1_000_000_000L) {
                it.remove();
            }
        }
        return buckets.size() < MAX_TRACKED;
    }

    synchronized int tracked() {
        return buckets.size();
    }
}
