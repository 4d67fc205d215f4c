package io.parley.server.rtmp;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Adapts a {@link LocalListener} to the hub; gates video until a keyframe. */
final class LocalSink implements Sink {
    private static final Logger log = LoggerFactory.getLogger(LocalSink.class);
    private final StreamKey key;
    private final LocalListener listener;
    private boolean awaitingKeyframe = true;
    private boolean ended;

    LocalSink(StreamKey key, LocalListener listener) {
        this.key = key;
        this.listener = listener;
    }

    @Override
    public StreamKey key() {
        return key;
    }

    @Override
    public Object attachment() {
        return null;
    }

    @Override
    public long bytesOut() {
        return 0;
    }

    @Override
    public void close() {
        end(EndReason.KICKED);
    }

    @Override
    public Form form() {
        return Form.LOCAL;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void deliver(MediaTag tag, boolean hasVideo) {
        try {
            if (tag.type() == MediaTag.SCRIPT) {
                var values = Amf0.decodeAll(tag.body().duplicate());
                if (values.size() >= 2) {
                    Object v = values.get(1);
                    listener.onMetadata(v instanceof Amf0.EcmaArray a ? a.entries()
                            : v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of());
                }
            } else if (tag.config()) {
                listener.onSequenceHeader(tag.type() == MediaTag.VIDEO, tag.body().duplicate());
            } else if (tag.type() == MediaTag.AUDIO) {
                listener.onAudio(tag.body().duplicate(), tag.timestamp());
            } else if (tag.type() == MediaTag.VIDEO) {
                if (awaitingKeyframe && !tag.keyframe()) {
                    return;
                }
                awaitingKeyframe = false;
                listener.onVideo(tag.body().duplicate(), tag.timestamp(), tag.keyframe());
            }
        } catch (RuntimeException e) {
            log.warn("local listener failed on a tag of type {}", tag.type(), e);
        }
    }

    @Override
    public void end(EndReason reason) {
        if (ended) {
            return;
        }
        ended = true;
        try {
            listener.onEnd(reason);
        } catch (RuntimeException e) {
            log.warn("local listener failed on end", e);
        }
    }
}
