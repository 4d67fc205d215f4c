package io.parley.server.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** Webhook meters (docs/metrics.md); no per-App, per-room or per-user labels. */
final class WebhookMetrics {
    static final String QUEUE_FULL = "queue_full";
    static final String RETRIES_EXHAUSTED = "retries_exhausted";
    static final String SHUTDOWN = "shutdown";

    private final Counter delivered;
    private final Counter retried;
    private final Counter droppedFull;
    private final Counter droppedRetries;
    private final Counter droppedShutdown;
    private final Timer latency;
    private final AtomicLong depth = new AtomicLong();

    WebhookMetrics(MeterRegistry r) {
        delivered = Counter.builder("parley_webhook_delivered").description("webhooks answered 2xx").register(r);
        retried = Counter.builder("parley_webhook_retried").description("webhook POSTs that failed and were retried").register(r);
        droppedFull = dropped(r, QUEUE_FULL);
        droppedRetries = dropped(r, RETRIES_EXHAUSTED);
        droppedShutdown = dropped(r, SHUTDOWN);
        latency = Timer.builder("parley_webhook_latency").description("from the room change to its 2xx answer, retries included")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(120))
                .register(r);
        Gauge.builder("parley_webhook_queue_depth", depth, AtomicLong::get)
                .description("webhooks waiting or in flight, all Apps").register(r);
    }

    private static Counter dropped(MeterRegistry r, String reason) {
        return Counter.builder("parley_webhook_dropped").description("webhooks given up: queue_full, "
                + "retries_exhausted, shutdown (not delivered within the drain)").tag("reason", reason).register(r);
    }

    void delivered(long nanos) {
        delivered.increment();
        latency.record(Duration.ofNanos(nanos));
    }

    void retried() {
        retried.increment();
    }

    void dropped(String reason) {
        (reason.equals(QUEUE_FULL) ? droppedFull : reason.equals(SHUTDOWN) ? droppedShutdown : droppedRetries).increment();
    }

    void queued(int delta) {
        depth.addAndGet(delta);
    }
}
