package io.parley.server.room;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A token bucket refilled at {@code perSecond} a second holding at most {@code burst} tokens: at most {@code burst}
 * takes at once, then one every 1/perSecond s. A burst of one ({@link #spaced}) is a spacing rule: takes at least
 * 1/perSecond s apart (ZEGO's two broadcasts a second per user, at least 500 ms apart). Not thread-safe: each lives on
 * one room's loop.
 */
final class RateBucket {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final int perSecond;
    private final int burst;
    private final LongSupplier nanos;
    private double tokens;
    private long refilledAt;

    RateBucket(int perSecond, int burst, LongSupplier nanos) {
        if (burst < 1 || burst > perSecond) {
            throw new IllegalArgumentException("burst: " + burst + " (expected: 1.." + perSecond + ")");
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanos = nanos;
        this.tokens = burst;
        this.refilledAt = nanos.getAsLong();
    }

    /** A burst of one second's worth. */
    RateBucket(int perSecond, LongSupplier nanos) {
        this(perSecond, perSecond, nanos);
    }

    RateBucket(int perSecond) {
        this(perSecond, System::nanoTime);
    }

    /** Takes at least 1/perSecond s apart: no burst. */
    static RateBucket spaced(int perSecond, LongSupplier nanos) {
        return new RateBucket(perSecond, 1, nanos);
    }

    static RateBucket spaced(int perSecond) {
        return spaced(perSecond, System::nanoTime);
    }

    /** Takes one token if there is one. */
    boolean tryTake() {
        long now = nanos.getAsLong();
        long elapsed = now - refilledAt;
        if (elapsed > 0) {
            tokens = Math.min(burst, tokens + (double) elapsed * perSecond / SECOND);
            refilledAt = now;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    int perSecond() {
        return perSecond;
    }
}
