package io.parley.server.metrics;

import java.time.Duration;

/** Histogram buckets: a dozen fixed bounds each, so a scrape stays small. */
final class Buckets {
    private Buckets() {}

    /** In-process hops: fan-out, packet forwarding. */
    static final Duration[] FAST = {
        us(50), us(100), us(250), us(500), ms(1), ms(2), ms(5), ms(10), ms(25), ms(50), ms(100), ms(250)
    };

    /** Requests that cross loops and check tokens: login. */
    static final Duration[] REQUEST = {
        us(250), us(500), ms(1), ms(2), ms(5), ms(10), ms(25), ms(50), ms(100), ms(250), ms(500), ms(1000)
    };

    private static Duration us(long n) {
        return Duration.ofNanos(n * 1000);
    }

    private static Duration ms(long n) {
        return Duration.ofMillis(n);
    }
}
