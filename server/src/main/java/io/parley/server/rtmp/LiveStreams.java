package io.parley.server.rtmp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live-stream hub: per {@link StreamKey} one publisher (an RTMP pusher or a {@link LocalPublisher}) and any
 * number of subscribers (RTMP players, HTTP-FLV players, {@link LocalListener}s). Remuxes only: tags pass through
 * as they came. A late subscriber gets the metadata, then the sequence headers, then live tags (video from the next
 * keyframe). Thread-safe: each stream has its own monitor; fan-out runs on the publisher's thread.
 *
 * <p>{@link LiveEvent}s are delivered in order, one at a time, on the executor given here.
 */
public final class LiveStreams {
    private static final Logger log = LoggerFactory.getLogger(LiveStreams.class);

    /** A stream already has a publisher. */
    public static final class StreamBusyException extends IllegalStateException {
        StreamBusyException(StreamKey key) {
            super("stream " + key + " already has a publisher");
        }
    }

    private final ConcurrentHashMap<StreamKey, LiveStream> streams = new ConcurrentHashMap<>();
    private final RtmpMetrics metrics;
    private final LiveEvent.Listener listener;
    private final Executor eventExecutor;
    private final Queue<LiveEvent> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();

    public LiveStreams(RtmpMetrics metrics, Executor eventExecutor, LiveEvent.Listener listener) {
        this.metrics = metrics;
        this.eventExecutor = eventExecutor;
        this.listener = listener;
    }

    // ---- for the integrator ----

    /**
     * Opens an in-process publisher for {@code key}; waiting players start receiving at once.
     *
     * @throws StreamBusyException when the stream already has a publisher
     */
    public LocalPublisher openLocalPublisher(StreamKey key, Object attachment) {
        Publisher p = publish(key, Form.LOCAL, attachment, null, () -> {});
        if (p == null) {
            throw new StreamBusyException(key);
        }
        return new LocalPublisherHandle(p);
    }

    /** Subscribes a listener; if the stream is not live yet, the listener waits for it (no timeout). */
    public LocalSubscription subscribeLocal(StreamKey key, LocalListener listener) {
        LocalSink sink = new LocalSink(key, listener);
        Subscription sub = subscribe(key, sink, true);
        return new LocalSubscription() {
            @Override
            public StreamKey key() {
                return key;
            }

            @Override
            public void close() {
                if (sub != null && sub.close(EndReason.CLOSED)) {
                    sink.end(EndReason.CLOSED);
                }
            }
        };
    }

    public boolean isLive(StreamKey key) {
        return withStream(key, false, s -> s != null && s.publisher != null);
    }

    /** Subscribers of a form on a stream, waiting ones included. */
    public int subscribers(StreamKey key, Form form) {
        return withStream(key, false, s -> s == null ? 0 : s.count(form));
    }

    /** The stream's publisher, or null when it is not live. */
    public PublishSession publisher(StreamKey key) {
        return withStream(key, false, s -> s == null ? null : s.publisher);
    }

    /** Ends a live stream (publisher disconnected, players ended with {@link EndReason#KICKED}). */
    public boolean closeStream(StreamKey key) {
        PublishSession p = publisher(key);
        if (p == null) {
            return false;
        }
        p.close();
        return true;
    }

    /** Ends every stream; for shutdown. */
    public void closeAll() {
        for (StreamKey key : List.copyOf(streams.keySet())) {
            closeStream(key);
        }
    }

    // ---- for the RTMP and FLV handlers ----

    /** Makes {@code key} live with a new publisher, or returns null if it has one. */
    Publisher publish(StreamKey key, Form form, Object attachment, InetSocketAddress remote, Runnable onKick) {
        return withStream(key, true, s -> {
            if (s.publisher != null) {
                return null;
            }
            Publisher p = new Publisher(this, s, form, attachment, remote, onKick);
            s.publisher = p;
            metrics.publishers(form, 1);
            post(new LiveEvent.PublishStarted(key, p));
            return p;
        });
    }

    void endPublisher(LiveStream stream, Publisher p, EndReason reason) {
        synchronized (stream) {
            if (stream.publisher != p) {
                return;
            }
            List<Sink> ended = stream.endPublishing(reason);
            metrics.publishers(p.form(), -1);
            int[] left = new int[Form.values().length];
            for (Sink s : ended) {
                left[s.form().ordinal()]++;
            }
            for (Sink s : ended) {
                metrics.subscribers(s.form(), -1);
                post(new LiveEvent.SubscriberLeft(stream.key, s.form(), --left[s.form().ordinal()], reason, s));
            }
            post(new LiveEvent.PublishEnded(stream.key, p, reason));
            retire(stream);
        }
    }

    /** Adds a subscriber. When the stream is not live: waits if {@code wait}, else returns null. */
    Subscription subscribe(StreamKey key, Sink sink, boolean wait) {
        return withStream(key, wait, s -> {
            if (s == null || (s.publisher == null && !wait)) {
                return null;
            }
            int n = s.add(sink);
            metrics.subscribers(sink.form(), 1);
            post(new LiveEvent.SubscriberJoined(key, sink.form(), n, s.publisher != null, sink));
            return new Subscription(s, sink);
        });
    }

    /** A subscriber's place on a stream. */
    final class Subscription {
        private final LiveStream stream;
        private final Sink sink;

        Subscription(LiveStream stream, Sink sink) {
            this.stream = stream;
            this.sink = sink;
        }

        /** Removes the subscriber; false if it was already gone (the stream ended). */
        boolean close(EndReason reason) {
            synchronized (stream) {
                int left = stream.remove(sink);
                if (left < 0) {
                    return false;
                }
                metrics.subscribers(sink.form(), -1);
                post(new LiveEvent.SubscriberLeft(stream.key, sink.form(), left, reason, sink));
                retire(stream);
                return true;
            }
        }
    }

    /** Runs {@code action} on the key's stream with its monitor held (creating the stream if asked). */
    private <T> T withStream(StreamKey key, boolean create, Function<LiveStream, T> action) {
        while (true) {
            LiveStream s = create ? streams.computeIfAbsent(key, LiveStream::new) : streams.get(key);
            if (s == null) {
                return action.apply(null);
            }
            synchronized (s) {
                if (s.removed) {
                    continue; // lost a race with its removal: look again
                }
                T result = action.apply(s);
                retire(s);
                return result;
            }
        }
    }

    /** Called with the monitor held: drops a stream that has neither publisher nor subscribers. */
    private void retire(LiveStream s) {
        if (!s.removed && s.idle()) {
            s.removed = true;
            streams.remove(s.key, s);
        }
    }

    /** Queues an event (called with a stream's monitor held, so per-stream order is the order of changes). */
    void post(LiveEvent e) {
        pending.add(e);
        if (draining.compareAndSet(false, true)) {
            eventExecutor.execute(this::drainEvents);
        }
    }

    private void drainEvents() {
        while (true) {
            LiveEvent e;
            while ((e = pending.poll()) != null) {
                try {
                    listener.onEvent(e);
                } catch (RuntimeException ex) {
                    log.warn("stream {}: live event listener failed on {}", e.key(), e.getClass().getSimpleName(), ex);
                }
            }
            draining.set(false);
            if (pending.isEmpty() || !draining.compareAndSet(false, true)) {
                return;
            }
        }
    }

    /** The local publisher handle: metadata is encoded here, bodies are owned per {@link LocalPublisher}. */
    private static final class LocalPublisherHandle implements LocalPublisher {
        private final Publisher p;

        LocalPublisherHandle(Publisher p) {
            this.p = p;
        }

        @Override
        public StreamKey key() {
            return p.key();
        }

        @Override
        public void metadata(Map<String, Object> onMetaData) {
            ByteBuf b = Unpooled.buffer(256);
            Amf0.encode(b, "onMetaData", new Amf0.EcmaArray(new java.util.LinkedHashMap<>(onMetaData)));
            p.push(MediaTag.metadata(b));
        }

        @Override
        public void audio(ByteBuf body, int timestampMs) {
            p.audio(body, timestampMs);
        }

        @Override
        public void video(ByteBuf body, int timestampMs) {
            p.video(body, timestampMs);
        }

        @Override
        public boolean isOpen() {
            return p.isPublishing();
        }

        @Override
        public void close() {
            p.end(EndReason.CLOSED);
        }
    }
}
