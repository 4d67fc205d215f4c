package io.parley.server.sfu;

import java.time.Duration;

/** A {@link MediaClock} that moves only when a test says so. */
final class FakeClock implements MediaClock {
    private long nanos = 1_000_000_000L;
    private long wallMillis = 1_800_000_000_000L;

    @Override
    public long nanoTime() {
        return nanos;
    }

    @Override
    public long wallMillis() {
        return wallMillis;
    }

    void advance(Duration d) {
        nanos += d.toNanos();
        wallMillis += d.toMillis();
    }
}
