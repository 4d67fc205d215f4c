package io.parley.server.sfu;

/**
 * Where the media plane reads time: a monotonic clock for intervals and timeouts and a wall clock for RTCP's
 * NTP timestamps. Injected so that timeouts and reports are tested without waiting in real time.
 */
public interface MediaClock {
    /** Monotonic nanoseconds, like {@link System#nanoTime()}. */
    long nanoTime();

    /** Wall-clock milliseconds since the Unix epoch, like {@link System#currentTimeMillis()}. */
    long wallMillis();

    MediaClock SYSTEM = new MediaClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long wallMillis() {
            return System.currentTimeMillis();
        }
    };
}
