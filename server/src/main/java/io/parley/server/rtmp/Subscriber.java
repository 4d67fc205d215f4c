package io.parley.server.rtmp;

/** A player of a live stream (RTMP, HTTP-FLV or in-process), as the integrator sees it. Thread-safe. */
public interface Subscriber {
    StreamKey key();

    Form form();

    /** The gate's attachment from {@link Decision.Accepted} (null for in-process listeners). */
    Object attachment();

    /** Bytes written to the player so far (0 for in-process listeners). */
    long bytesOut();

    /** Ends this player: its connection is closed (an in-process listener gets {@code onEnd(KICKED)}). */
    void close();
}
