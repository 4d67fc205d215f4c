package io.parley.server.room;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A token bucket of {@code perSecond} tokens refilled at {@code perSecond} a second: at most {@code perSecond} takes in
 * a burst, then one every 1/perSecond s. Not thread-safe: each lives on one room's loop.
 */
final class RateBucket {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final int perSecond;
    private final LongSupplier nanos;
    private double tokens;
    private long refilledAt;

    RateBucket(int perSecond, LongSupplier nanos) {
        this.perSecond = perSecond;
        this.nanos = nanos;
        this.tokens = perSecond;
        this.refilledAt = nanos.getAsLong();
    }

    RateBucket(int perSecond) {
        this(perSecond, System::nanoTime);
    }

    /** Takes one token if there is one. */
    boolean tryTake() {
        long now = nanos.getAsLong();
        long elapsed = now - refilledAt;
        if (elapsed > 0) {
            tokens = Math.min(perSecond, tokens + (double) elapsed * perSecond / SECOND);
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
