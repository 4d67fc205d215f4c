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
