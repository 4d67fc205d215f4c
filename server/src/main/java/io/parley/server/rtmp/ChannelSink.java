package io.parley.server.rtmp;

import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * A subscriber that writes to a Netty channel (RTMP or HTTP-FLV player). Rebases timestamps to start near 0, gates
 * video until a keyframe, skips tags while the channel is unwritable (video until the next keyframe) and closes a
 * player that stays unwritable past the slow-player timeout. Lifecycle: waiting → started (first tag) → ended.
 */
abstract class ChannelSink implements Sink {
    final Channel channel;
    final RtmpMetrics metrics;
    private final Form form;
    private final long slowNanos;
    private final LongSupplier nanoClock;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile EndReason endReason;
    private boolean awaitingKeyframe = true;
    private boolean based;
    private int base;
    private int last;
    private long unwritableSince = -1;
    private final LongAdder bytesOut = new LongAdder();
    private boolean firstMedia; // set by write, taken by the hub (both under the stream's monitor)
    private boolean firstMediaTaken;
    private volatile StreamKey key;
    private volatile Object attachment;

    /** The stream and the gate's attachment, set by the handler that admitted this player. */
    final void bind(StreamKey key, Object attachment) {
        this.key = key;
        this.attachment = attachment;
    }

    @Override
    public final StreamKey key() {
        return key;
    }

    @Override
    public final Object attachment() {
        return attachment;
    }

    @Override
    public final long bytesOut() {
        return bytesOut.sum();
    }

    /** Counts bytes written to the player. */
    final void wrote(int bytes) {
        bytesOut.add(bytes);
    }

    @Override
    public final boolean takeFirstMedia() {
        if (firstMedia && !firstMediaTaken) {
            firstMediaTaken = true;
            return true;
        }
        return false;
    }

    @Override
    public final void close() {
        channel.close();
    }

    ChannelSink(Channel channel, Form form, RtmpMetrics metrics, long slowNanos, LongSupplier nanoClock) {
        this.channel = channel;
        this.form = form;
        this.metrics = metrics;
        this.slowNanos = slowNanos;
        this.nanoClock = nanoClock;
    }

    @Override
    public final Form form() {
        return form;
    }

    /** For the wait timeout: true if the sink had not started and now never will. */
    final boolean claimUnstarted() {
        return started.compareAndSet(false, true);
    }

    /** Why this sink ended, or null while it runs. */
    final EndReason endReason() {
        return endReason;
    }

    @Override
    public final void deliver(MediaTag tag, boolean hasVideo) {
        if (endReason != null) {
            return;
        }
        if (!started.get()) {
            if (!started.compareAndSet(false, true)) {
                return; // the wait timeout won
            }
            start(hasVideo);
        }
        int ts;
        if (tag.config()) {
            ts = last;
        } else {
            if (!channel.isWritable()) {
                long now = nanoClock.getAsLong();
                if (unwritableSince < 0) {
                    unwritableSince = now;
                } else if (now - unwritableSince > slowNanos) {
                    metrics.slowPlayerClosed(form);
                    endReason = EndReason.SLOW;
                    channel.close();
                    return;
                }
                if (tag.type() == MediaTag.VIDEO) {
                    awaitingKeyframe = true;
                }
                metrics.tagSkipped(form);
                return;
            }
            unwritableSince = -1;
            if (tag.type() == MediaTag.VIDEO) {
                if (awaitingKeyframe && !tag.keyframe()) {
                    return;
                }
                awaitingKeyframe = false;
            }
            if (!based) {
                based = true;
                base = tag.timestamp();
            }
            int rel = tag.timestamp() - base;
            ts = rel < 0 ? 0 : rel;
            last = ts;
            firstMedia = true;
        }
        write(tag, ts);
    }

    @Override
    public final void end(EndReason reason) {
        if (endReason != null) {
            return;
        }
        endReason = reason;
        finish(reason, started.get());
    }

    /** The first tag is about to be written: write the preamble (FLV header). */
    abstract void start(boolean hasVideo);

    /** Writes one tag with the rebased timestamp; the body is borrowed. */
    abstract void write(MediaTag tag, int timestamp);

    /** The stream ended: say so and close. */
    abstract void finish(EndReason reason, boolean started);
}
