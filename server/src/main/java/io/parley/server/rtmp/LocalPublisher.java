package io.parley.server.rtmp;

import io.netty.buffer.ByteBuf;
import java.util.Map;

/**
 * An in-process source of a live stream (the integrator's Opus→AAC transcoder for a WebRTC-published stream).
 * Lifecycle: open → publishing → closed; closed is final (also when the stream is closed from outside, see
 * {@link #isOpen()}). Thread-safe; calls from one thread keep their order.
 */
public interface LocalPublisher extends AutoCloseable {
    StreamKey key();

    /** The stream's onMetaData (e.g. audiocodecid 10, audiosamplerate, stereo). */
    void metadata(Map<String, Object> onMetaData);

    /**
     * One FLV audio tag body (for AAC: 0xAF, then 0 + AudioSpecificConfig for the sequence header, or 1 + a raw AAC
     * frame). Takes ownership of {@code body}: it is released here, also when the publisher is closed.
     */
    void audio(ByteBuf body, int timestampMs);

    /** One FLV video tag body; ownership as for {@link #audio}. */
    void video(ByteBuf body, int timestampMs);

    /** False once closed by {@link #close()} or {@link LiveStreams#closeStream}. */
    boolean isOpen();

    /** Ends the stream for every subscriber ({@link EndReason#CLOSED}). Idempotent. */
    @Override
    void close();
}
