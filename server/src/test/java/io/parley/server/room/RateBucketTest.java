package io.parley.server.room;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token bucket behind the message and extra info rate limits, with time moved by hand. */
class RateBucketTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private void advanceMillis(long ms) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    @Test
    void aBurstOfPerSecondThenOneEveryIntervalLikeZegosTwoBroadcastsASecond() {
        RateBucket b = new RateBucket(2, now::get);
        assertThat(b.tryTake()).isTrue();
        assertThat(b.tryTake()).isTrue();
        assertThat(b.tryTake()).as("a third within the same instant").isFalse();
        advanceMillis(499);
        assertThat(b.tryTake()).isFalse();
        advanceMillis(1);
        assertThat(b.tryTake()).as("500 ms later: one more").isTrue();
        assertThat(b.tryTake()).isFalse();
    }

    @Test
    void anIdleBucketRefillsOnlyToItsCapacity() {
        RateBucket b = new RateBucket(10, now::get);
        for (int i = 0; i < 10; i++) {
            assertThat(b.tryTake()).isTrue();
        }
        assertThat(b.tryTake()).isFalse();
        advanceMillis(60_000);
        int taken = 0;
        while (b.tryTake()) {
            taken++;
        }
        assertThat(taken).isEqualTo(10);
    }

    @Test
    void aClockThatDoesNotMoveForwardGivesNothingBack() {
        RateBucket b = new RateBucket(1, now::get);
        assertThat(b.tryTake()).isTrue();
        now.addAndGet(-TimeUnit.SECONDS.toNanos(5));
        assertThat(b.tryTake()).isFalse();
        now.addAndGet(TimeUnit.SECONDS.toNanos(5));
        assertThat(b.tryTake()).isFalse();
        advanceMillis(1000);
        assertThat(b.tryTake()).isTrue();
    }

    @Test
    void aSpacedBucketTakesOneAtOnceThenOneEveryIntervalLikeZegosBroadcastsFiveHundredMillisecondsApart() {
        RateBucket b = RateBucket.spaced(2, now::get);
        assertThat(b.tryTake()).isTrue();
        assertThat(b.tryTake()).as("a second within the same instant").isFalse();
        advanceMillis(499);
        assertThat(b.tryTake()).isFalse();
        advanceMillis(1);
        assertThat(b.tryTake()).as("500 ms after the first").isTrue();
        advanceMillis(60_000);
        assertThat(b.tryTake()).as("an idle minute saves no burst").isTrue();
        assertThat(b.tryTake()).isFalse();
    }

    @Test
    void aBurstOutsideOneToPerSecondIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RateBucket(2, 0, now::get))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RateBucket(2, 3, now::get))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
