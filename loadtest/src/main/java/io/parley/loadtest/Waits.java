package io.parley.loadtest;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waiting in the scenarios: for a condition, bounded by a deadline, checked every few milliseconds. */
final class Waits {
    private static final long CHECK_NANOS = 5_000_000L;

    private Waits() {}

    /**
     * Returns once {@code done} holds, {@code stopped} holds or {@code deadlineNanos} (System.nanoTime) passes;
     * true if {@code done} held.
     */
    /** {@code grace} after the later of {@code deadline} and now: for work in flight that must be waited for. */
    static long past(long deadlineNanos, long graceNanos) {
        long now = System.nanoTime();
        return (now - deadlineNanos > 0 ? now : deadlineNanos) + graceNanos;
    }

    static boolean until(BooleanSupplier done, long deadlineNanos, BooleanSupplier stopped) {
        while (true) {
            if (done.getAsBoolean()) {
                return true;
            }
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0 || stopped.getAsBoolean()) {
                return false;
            }
            LockSupport.parkNanos(Math.min(left, CHECK_NANOS));
        }
    }
}
