package io.parley.server.rtmp;

/**
 * A subscriber as the hub sees it. Called with the stream's lock held, from the publisher's thread: implementations
 * hand bytes to a channel (which queues them) or to a listener, and never block.
 */
interface Sink {
    Form form();

    /** A tag; {@code hasVideo} says whether the stream carries video as far as is known. Body borrowed. */
    void deliver(MediaTag tag, boolean hasVideo);

    /** The stream ended (or this subscriber was dropped): close the channel / tell the listener. Called once. */
    void end(EndReason reason);
}
