package io.parley.server.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;

/**
 * Fixed-window counters (permits per window) keyed by App, action and, where the reference limits a room, room.
 * A call over its limit is refused at once (206 / 207), never queued; the counters are bounded in number.
 */
final class RateLimiter {
    private static final int MAX_KEYS = 100_000;

    private final Clock clock;
    private final Cache<String, Window> windows;

    private static final class Window {
        long start;
        int count;
    }

    RateLimiter(Clock clock) {
        this.clock = clock;
        this.windows = Caffeine.newBuilder().maximumSize(MAX_KEYS).expireAfterAccess(Duration.ofMinutes(1))
                .ticker(() -> clock.millis() * 1_000_000L).build();
    }

    /** True (and counted) if one more call fits in the key's window. */
    boolean tryAcquire(String key, int permits, Duration per) {
        Window w = windows.get(key, k -> new Window());
        long now = clock.millis();
        synchronized (w) { // API loops only, never a room loop; held for a few instructions
            if (now - w.start >= per.toMillis()) {
                w.start = now;
                w.count = 0;
            }
            if (w.count >= permits) {
                return false;
            }
            w.count++;
            return true;
        }
    }
}
