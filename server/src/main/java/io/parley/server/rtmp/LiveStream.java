package io.parley.server.rtmp;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream key's state in the hub: its publisher (or none: players waiting), the latest metadata and sequence
 * headers (owned copies) and its subscribers. Every method runs with this object's monitor held (the hub takes it);
 * lifecycle: waiting or live → removed (when it has neither publisher nor subscribers); removed is final.
 */
final class LiveStream {
    private static final Logger log = LoggerFactory.getLogger(LiveStream.class);

    final StreamKey key;
    Publisher publisher;
    boolean removed;
    private ByteBuf metadata;
    private Map<String, Object> metadataMap = Map.of();
    private ByteBuf audioHeader;
    private ByteBuf videoHeader;
    private boolean hasVideo;
    private final List<Sink> sinks = new ArrayList<>();
    private final int[] formCounts = new int[Form.values().length];

    LiveStream(StreamKey key) {
        this.key = key;
    }

    boolean idle() {
        return publisher == null && sinks.isEmpty();
    }

    int count(Form form) {
        return formCounts[form.ordinal()];
    }

    Map<String, Object> metadataMap() {
        return metadataMap;
    }

    /** Adds a subscriber; when live, it gets the metadata and sequence headers at once. */
    int add(Sink sink) {
        sinks.add(sink);
        int n = ++formCounts[sink.form().ordinal()];
        if (publisher != null) {
            sendHeaders(sink);
        }
        return n;
    }

    /** Removes a subscriber; returns the remaining count of its form, or -1 if it was not here. */
    int remove(Sink sink) {
        if (!sinks.remove(sink)) {
            return -1;
        }
        return --formCounts[sink.form().ordinal()];
    }

    private void sendHeaders(Sink sink) {
        if (metadata != null) {
            deliver(sink, MediaTag.metadata(metadata));
        }
        if (audioHeader != null) {
            deliver(sink, new MediaTag(MediaTag.AUDIO, 0, audioHeader, true, false));
        }
        if (videoHeader != null) {
            deliver(sink, new MediaTag(MediaTag.VIDEO, 0, videoHeader, true, true));
        }
    }

    /** A tag from the publisher: remembered if it is a header, then passed to every subscriber. Body borrowed. */
    void onTag(MediaTag tag) {
        if (tag.config()) {
            ByteBuf copy = tag.body().copy();
            switch (tag.type()) {
                case MediaTag.AUDIO -> audioHeader = replace(audioHeader, copy);
                case MediaTag.VIDEO -> {
                    videoHeader = replace(videoHeader, copy);
                    hasVideo = true;
                }
                default -> {
                    metadata = replace(metadata, copy);
                    metadataMap = parseMetadata(copy);
                    hasVideo |= metadataMap.containsKey("videocodecid");
                }
            }
        }
        for (int i = 0; i < sinks.size(); i++) {
            Sink sink = sinks.get(i);
            deliver(sink, tag);
            if (!tag.config() && tag.type() != MediaTag.SCRIPT && sink.takeFirstMedia() && publisher != null) {
                publisher.hub().post(new LiveEvent.SubscriberPlaying(key, sink));
            }
        }
    }

    private void deliver(Sink sink, MediaTag tag) {
        try {
            sink.deliver(tag, hasVideo);
        } catch (RuntimeException e) {
            log.warn("stream {}: a {} subscriber failed on a tag", key, sink.form(), e);
        }
    }

    /** The publisher left: every subscriber ends; returns them so the hub can report them. */
    List<Sink> endPublishing(EndReason reason) {
        publisher = null;
        List<Sink> ended = new ArrayList<>(sinks);
        sinks.clear();
        java.util.Arrays.fill(formCounts, 0);
        for (Sink s : ended) {
            try {
                s.end(reason);
            } catch (RuntimeException e) {
                log.warn("stream {}: a {} subscriber failed to end", key, s.form(), e);
            }
        }
        metadata = replace(metadata, null);
        audioHeader = replace(audioHeader, null);
        videoHeader = replace(videoHeader, null);
        metadataMap = Map.of();
        hasVideo = false;
        return ended;
    }

    private static ByteBuf replace(ByteBuf old, ByteBuf now) {
        if (old != null) {
            old.release();
        }
        return now;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parseMetadata(ByteBuf body) {
        try {
            List<Object> values = Amf0.decodeAll(body.duplicate());
            if (values.size() >= 2) {
                Object v = values.get(1);
                if (v instanceof Amf0.EcmaArray a) {
                    return java.util.Collections.unmodifiableMap(a.entries());
                }
                if (v instanceof Map<?, ?> m) {
                    return java.util.Collections.unmodifiableMap((Map<String, Object>) m);
                }
            }
        } catch (AmfException e) {
            log.debug("stream: unreadable onMetaData kept as bytes: {}", e.getMessage());
        }
        return Map.of();
    }
}
