package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * The Consumers on one media loop of a Producer on another (a client's bundle placed on another loop than the stream
 * it plays). The Producer hands each packet over once, as one retained duplicate (shared bytes, one reference count),
 * and this loop runs its Consumers on it: a cross-loop fan-out costs one task per packet and loop, not a copy per
 * player. Lifecycle: the first Consumer creates it (this loop), the Producer learns of it by a task, the last Consumer
 * leaving or the Producer closing ends it.
 */
final class Relay {
    private static final Consumer[] NONE = new Consumer[0];

    final Producer producer;
    /** The loop the Consumers live on. */
    final MediaLoop shard;
    /** This loop's Consumers of the Producer; {@link #shard} only. */
    private Consumer[] consumers = NONE;
    /** How many Consumers the Producer's loop has been told of; the Producer's loop only. */
    int countOnProducer;

    Relay(Producer producer, MediaLoop shard) {
        this.producer = producer;
        this.shard = shard;
    }

    /** Attaches a Consumer on {@link #shard} to a Producer of another loop; {@link #shard}. */
    static void attach(Consumer c) {
        Producer p = c.producer;
        if (p.ended()) {
            c.publisherGone();
            return;
        }
        Relay r = c.shard.relays.computeIfAbsent(p, k -> new Relay(k, c.shard));
        r.consumers = Arrays.copyOf(r.consumers, r.consumers.length + 1);
        r.consumers[r.consumers.length - 1] = c;
        p.shard.execute(() -> p.relayChanged(r, 1));
    }

    /** A Consumer of this relay closed; {@link #shard}. */
    void detach(Consumer c) {
        int n = 0;
        Consumer[] next = new Consumer[consumers.length];
        for (Consumer x : consumers) {
            if (x != c) {
                next[n++] = x;
            }
        }
        if (n == consumers.length) {
            return;
        }
        consumers = n == 0 ? NONE : Arrays.copyOf(next, n);
        if (n == 0) {
            shard.relays.remove(producer, this);
        }
        producer.shard.execute(() -> producer.relayChanged(this, -1));
    }

    /**
     * One packet of the Producer, on the Producer's loop: {@code dup} is a retained duplicate that this relay now owns
     * and releases once its Consumers ran on it.
     */
    void handOver(ByteBuf dup, int seq, long timestamp, long arrivalNanos) {
        boolean queued = shard.execute(() -> {
            try {
                Consumer[] to = consumers;
                for (Consumer c : to) {
                    c.forward(dup, seq, timestamp, arrivalNanos, false);
                }
                if (to.length > 0) {
                    shard.plane.recordForward(arrivalNanos);
                }
            } finally {
                dup.release();
            }
            shard.flushSoon();
        });
        if (!queued) {
            dup.release();
        }
    }

    /** The Producer closed: every Consumer here ends (NO_PLAY); {@link #shard}. */
    void producerGone() {
        shard.relays.remove(producer, this);
        for (Consumer c : consumers) {
            c.publisherGone();
        }
        consumers = NONE;
    }
}
