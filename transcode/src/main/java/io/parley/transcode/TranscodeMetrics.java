package io.parley.transcode;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hooks the {@link TranscodePool} calls; implementations must be thread-safe and cheap. {@link #NONE} ignores them,
 * {@link #micrometer(MeterRegistry)} records them in Micrometer meters.
 */
public interface TranscodeMetrics {
    /** A strand (one transcoded stream) was opened. */
    void strandOpened();

    /** A strand was closed. */
    void strandClosed();

    /** A task ran for {@code nanos}; {@code failed} if it threw. */
    void taskCompleted(long nanos, boolean failed);

    /** A queued task was dropped (its strand fell behind, or it was closed/shut down first). */
    void taskDropped();

    TranscodeMetrics NONE = new TranscodeMetrics() {
        @Override
        public void strandOpened() {}

        @Override
        public void strandClosed() {}

        @Override
        public void taskCompleted(long nanos, boolean failed) {}

        @Override
        public void taskDropped() {}
    };

    /**
     * Meters: gauge {@code parley.transcode.streams.active}; timer {@code parley.transcode.task} (with a percentile
     * histogram); counters {@code parley.transcode.tasks.dropped} and {@code parley.transcode.tasks.failed}.
     */
    public static TranscodeMetrics micrometer(MeterRegistry registry) {
        AtomicLong active = new AtomicLong();
        Gauge.builder("parley.transcode.streams.active", active, AtomicLong::get)
            .description("Transcoded streams (pool strands) open").register(registry);
        Timer timer = Timer.builder("parley.transcode.task")
            .description("Time to run one transcoding task (one pushed frame or packet)")
            .publishPercentileHistogram().register(registry);
        Counter dropped = Counter.builder("parley.transcode.tasks.dropped")
            .description("Transcoding tasks dropped because a stream fell behind or was closed").register(registry);
        Counter failed = Counter.builder("parley.transcode.tasks.failed")
            .description("Transcoding tasks that threw").register(registry);
        return new TranscodeMetrics() {
            @Override
            public void strandOpened() {
                active.incrementAndGet();
            }

            @Override
            public void strandClosed() {
                active.decrementAndGet();
            }

            @Override
            public void taskCompleted(long nanos, boolean isFailed) {
                timer.record(nanos, TimeUnit.NANOSECONDS);
                if (isFailed) {
                    failed.increment();
                }
            }

            @Override
            public void taskDropped() {
                dropped.increment();
            }
        };
    }
}
