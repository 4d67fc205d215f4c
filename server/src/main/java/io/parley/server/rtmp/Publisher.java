package io.parley.server.rtmp;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;
import java.util.Map;

/**
 * A stream's publisher: RTMP connection or local source. Pushes tags into its {@link LiveStream} under the stream's
 * monitor. Lifecycle: publishing → ended; ended is final, and later tags are released unread.
 */
final class Publisher implements PublishSession {
    private final LiveStreams hub;
    private final LiveStream stream;
    private final Form form;
    private final Object attachment;
    private final InetSocketAddress remote;
    private final Runnable onKick;
    private final LongAdder bytesIn = new LongAdder();
    private boolean mediaStarted; // under the stream's monitor

    Publisher(LiveStreams hub, LiveStream stream, Form form, Object attachment, InetSocketAddress remote, Runnable onKick) {
        this.hub = hub;
        this.stream = stream;
        this.form = form;
        this.attachment = attachment;
        this.remote = remote;
        this.onKick = onKick;
    }

    /** Audio, video or onMetaData; takes ownership of the tag's body. */
    void push(MediaTag tag) {
        try {
            synchronized (stream) {
                if (stream.publisher == this) {
                    bytesIn.add(tag.body().readableBytes());
                    if (!mediaStarted && !tag.config() && tag.type() != MediaTag.SCRIPT) {
                        mediaStarted = true;
                        hub.post(new LiveEvent.PublisherMediaStarted(stream.key, this));
                    }
                    stream.onTag(tag);
                }
            }
        } finally {
            tag.body().release();
        }
    }

    LiveStreams hub() {
        return hub;
    }

    @Override
    public long bytesIn() {
        return bytesIn.sum();
    }

    boolean isPublishing() {
        synchronized (stream) {
            return stream.publisher == this;
        }
    }

    /** Ends the stream (idempotent). */
    void end(EndReason reason) {
        hub.endPublisher(stream, this, reason);
    }

    @Override
    public StreamKey key() {
        return stream.key;
    }

    @Override
    public Form form() {
        return form;
    }

    @Override
    public Object attachment() {
        return attachment;
    }

    @Override
    public InetSocketAddress remote() {
        return remote;
    }

    @Override
    public Map<String, Object> metadata() {
        synchronized (stream) {
            return stream.metadataMap();
        }
    }

    @Override
    public void close() {
        if (isPublishing()) {
            onKick.run();
            end(EndReason.KICKED);
        }
    }

    @Override
    public String toString() {
        return form + " publisher of " + stream.key + (remote == null ? "" : " from " + remote);
    }

    /** Exposes push with a raw body, for the RTMP handler. */
    void audio(ByteBuf body, int ts) {
        push(MediaTag.audio(body, ts));
    }

    void video(ByteBuf body, int ts) {
        push(MediaTag.video(body, ts));
    }
}
