package io.parley.server.rtmp;

import java.net.InetSocketAddress;
import java.util.Map;

/** A live stream's publisher, as the integrator sees it. Thread-safe. */
public interface PublishSession {
    StreamKey key();

    /** {@link Form#RTMP} for a pusher, {@link Form#LOCAL} for an in-process source. */
    Form form();

    /** The gate's attachment from {@link Decision.Accepted} (the local publisher's, for local ones). */
    Object attachment();

    /** The pusher's address; null for a local publisher. */
    InetSocketAddress remote();

    /** The latest onMetaData the publisher sent (empty until then). */
    Map<String, Object> metadata();

    /** Audio, video and metadata bytes received from the publisher so far. */
    long bytesIn();

    /** Ends the stream: the publisher is disconnected and every player ends ({@link EndReason#KICKED}). */
    void close();
}
