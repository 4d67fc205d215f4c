package io.parley.server.webhook;

import io.parley.server.config.ParleyConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One App's webhook queue: at most {@code queueCapacity} events (a full queue drops and counts the newest), split in
 * lanes (one per room) so that a room's events go one at a time and in order while rooms go in parallel (at most
 * {@code maxInFlight}). A failed POST is retried after retryBase × 1, 2, 4, 8, 16, then dropped and counted.
 * Room loops only enqueue (a lock held for a few instructions); sending runs on the outbox's scheduler and the
 * HttpClient's threads.
 */
final class Outbox {
    private static final Logger log = LoggerFactory.getLogger(Outbox.class);

    private static final class Pending {
        final String lane;
        final String event;
        final byte[] body;
        final long enqueuedNanos;
        int attempts;
        ScheduledFuture<?> retry;

        Pending(String lane, String event, byte[] body, long enqueuedNanos) {
            this.lane = lane;
            this.event = event;
            this.body = body;
            this.enqueuedNanos = enqueuedNanos;
        }
    }

    private final long appId;
    private final URI uri;
    private final HttpClient http;
    private final ScheduledExecutorService scheduler;
    private final ParleyConfig.Webhook config;
    private final WebhookMetrics metrics;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition empty = lock.newCondition();
    private final Map<String, ArrayDeque<Pending>> lanes = new HashMap<>();
    private final ArrayDeque<String> ready = new ArrayDeque<>();
    private int queued;
    private int inFlight;
    private boolean flushing;
    private boolean closed;

    Outbox(long appId, URI uri, HttpClient http, ScheduledExecutorService scheduler, ParleyConfig.Webhook config,
           WebhookMetrics metrics) {
        this.appId = appId;
        this.uri = uri;
        this.http = http;
        this.scheduler = scheduler;
        this.config = config;
        this.metrics = metrics;
    }

    /** Queues one event of {@code lane} (its room); false, dropped and counted, when the queue is full. */
    boolean offer(String lane, String event, byte[] body) {
        lock.lock();
        try {
            if (closed || queued >= config.queueCapacity()) {
                metrics.dropped(closed ? WebhookMetrics.SHUTDOWN : WebhookMetrics.QUEUE_FULL);
                return false;
            }
            queued++;
            metrics.queued(1);
            ArrayDeque<Pending> q = lanes.computeIfAbsent(lane, k -> new ArrayDeque<>());
            q.add(new Pending(lane, event, body, System.nanoTime()));
            if (q.size() == 1) {
                ready.add(lane);
            }
        } finally {
            lock.unlock();
        }
        scheduler.execute(this::pump);
        return true;
    }

    int depth() {
        lock.lock();
        try {
            return queued;
        } finally {
            lock.unlock();
        }
    }

    private void pump() {
        while (true) {
            Pending p;
            lock.lock();
            try {
                if (closed || inFlight >= config.maxInFlight() || ready.isEmpty()) {
                    return;
                }
                p = lanes.get(ready.poll()).peek();
                inFlight++;
            } finally {
                lock.unlock();
            }
            send(p);
        }
    }

    private void send(Pending p) {
        p.attempts++;
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(config.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(p.body)).build();
        try {
            http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((res, err) -> {
                if (err == null && res.statusCode() / 100 == 2) {
                    metrics.delivered(System.nanoTime() - p.enqueuedNanos);
                    done(p);
                } else {
                    failed(p, err != null ? err.toString() : "HTTP " + res.statusCode());
                }
            });
        } catch (RuntimeException e) {
            failed(p, e.toString());
        }
    }

    private void failed(Pending p, String why) {
        if (p.attempts > config.maxRetries()) {
            log.warn("webhook {} dropped after {} tries app={} lane={} ({})", p.event, p.attempts, appId, p.lane, why);
            metrics.dropped(WebhookMetrics.RETRIES_EXHAUSTED);
            done(p);
            return;
        }
        metrics.retried();
        long delayMs = config.retryBase().toMillis() << (p.attempts - 1);
        lock.lock();
        try {
            if (closed) {
                metrics.dropped(WebhookMetrics.SHUTDOWN);
                doneLocked(p);
                return;
            }
            log.debug("webhook {} try {} failed app={} lane={} ({}); again in {} ms", p.event, p.attempts, appId, p.lane, why,
                    flushing ? 0 : delayMs);
            p.retry = scheduler.schedule(() -> send(p), flushing ? 0 : delayMs, TimeUnit.MILLISECONDS);
        } finally {
            lock.unlock();
        }
    }

    private void done(Pending p) {
        lock.lock();
        try {
            doneLocked(p);
        } finally {
            lock.unlock();
        }
        scheduler.execute(this::pump);
    }

    private void doneLocked(Pending p) {
        if (closed) {
            return; // flush gave up on it and counted it
        }
        ArrayDeque<Pending> q = lanes.get(p.lane);
        q.poll();
        queued--;
        inFlight--;
        metrics.queued(-1);
        if (q.isEmpty()) {
            lanes.remove(p.lane);
        } else {
            ready.add(p.lane);
        }
        if (queued == 0) {
            empty.signalAll();
        }
    }

    /**
     * Drain: retries waiting for their backoff go now, and this waits until the queue is empty or {@code timeout}
     * passed; then whatever is left is dropped and counted. Returns how many were dropped.
     */
    int flush(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            flushing = true;
            for (ArrayDeque<Pending> q : lanes.values()) {
                Pending head = q.peek();
                if (head != null && head.retry != null && head.retry.cancel(false)) {
                    scheduler.execute(() -> send(head));
                }
            }
            while (queued > 0) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                empty.awaitNanos(left);
            }
            int left = queued;
            closed = true;
            for (int i = 0; i < left; i++) {
                metrics.dropped(WebhookMetrics.SHUTDOWN);
            }
            metrics.queued(-left);
            queued = 0;
            lanes.clear();
            ready.clear();
            return left;
        } finally {
            lock.unlock();
        }
    }
}
