package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import java.util.function.IntConsumer;
import java.util.concurrent.RejectedExecutionException;

/**
 * The handle of a Producer fed in-process ({@link MediaPlane#createLocalProducer}): an RTMP edge's transcoder, a
 * file player or a test delivers plaintext RTP here instead of through a WebRTC transport, and the Producer fans
 * it out, caches it for NACKs and reports state (PUBLISHING with the first packet) and quality exactly as for a
 * WebRTC publisher. Lifecycle: open → closed; closed is final.
 */
public final class LocalProducer implements AutoCloseable {
    private final MediaPlane plane;
    private final Producer producer;

    LocalProducer(MediaPlane plane, Producer producer) {
        this.plane = plane;
        this.producer = producer;
    }

    /** The Producer, for attaching Consumers (a room's players, {@link MediaPlane#createLocalConsumer}). */
    public Producer producer() {
        return producer;
    }

    /**
     * One plaintext RTP packet (version 2, this source's SSRC; any payload type, Opus at 48 kHz for WebRTC players).
     * Takes ownership of {@code rtp} and releases it. Any thread: on the Producer's media loop it is forwarded at once
     * (the cheapest way: run the source on {@link #executor()}), from elsewhere it hops there, in order.
     * A packet with another SSRC, a malformed one or one after {@link #close()} is dropped and counted.
     */
    public void deliver(ByteBuf rtp) {
        MediaLoop loop = producer.shard;
        if (loop.inLoop()) {
            forward(rtp);
            return;
        }
        try {
            loop.loop.execute(() -> forward(rtp));
        } catch (RejectedExecutionException e) {
            rtp.release(); // the media loop is shutting down
        }
    }

    /** The media loop the Producer lives on: a source running there delivers without a hop. */
    public EventExecutor executor() {
        return producer.shard.loop;
    }

    private void forward(ByteBuf rtp) {
        try {
            if (producer.isClosed()) {
                return;
            }
            if (!producer.acceptsRtpFrom(rtp)) {
                plane.counters().drop(DropReason.UNKNOWN_SSRC);
                return;
            }
            producer.onRtp(rtp, plane.clock().nanoTime());
            producer.shard.flush();
        } finally {
            rtp.release();
        }
    }

    /**
     * Tells {@code listener} the number of the Producer's Consumers each time it changes, on the media loop (an
     * RTMP bridge transcodes only while WebRTC players exist). Any thread; the listener must not block.
     */
    public void onConsumers(IntConsumer listener) {
        producer.shard.execute(() -> {
            producer.consumerListener = listener;
            producer.consumersChangedNow();
        });
    }

    /** Closes the Producer: its Consumers end (players get NO_PLAY, sinks {@code onClose}). Any thread, idempotent. */
    @Override
    public void close() {
        plane.close(producer);
    }
}
