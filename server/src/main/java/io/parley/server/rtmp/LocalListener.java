package io.parley.server.rtmp;

import io.netty.buffer.ByteBuf;
import java.util.Map;

/**
 * An in-process subscriber (the integrator's AAC→Opus transcoder). A late subscriber first gets the metadata and
 * sequence headers the stream has, then live tags (video from a keyframe). Bodies are FLV tag bodies, borrowed for
 * the call: {@code retain()} or copy what you keep. Timestamps are the publisher's, in milliseconds.
 *
 * <p>Threading: called on the publisher's thread (its event loop, or the local publisher's caller) with the
 * stream's lock held: hand work to your own executor, do not block, and do not publish into another stream from
 * inside a callback. An exception thrown here is logged and the tag is skipped for this listener.
 */
public interface LocalListener {
    default void onMetadata(Map<String, Object> metadata) {}

    /** An AAC AudioSpecificConfig ({@code video == false}) or AVC decoder configuration record tag body. */
    default void onSequenceHeader(boolean video, ByteBuf body) {}

    void onAudio(ByteBuf body, int timestampMs);

    default void onVideo(ByteBuf body, int timestampMs, boolean keyframe) {}

    /** The stream ended or the subscription was closed; nothing follows. */
    void onEnd(EndReason reason);
}
