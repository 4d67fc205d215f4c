package io.parley.server.rtmp;

/**
 * A subscriber as the hub sees it. Called with the stream's lock held, from the publisher's thread: implementations
 * hand bytes to a channel (which queues them) or to a listener, and never block.
 */
interface Sink extends Subscriber {
    /**
     * True once, right after the first audio or video tag (not a header) reached the player: the hub then tells
     * the integrator ({@link LiveEvent.SubscriberPlaying}).
     */
    default boolean takeFirstMedia() {
        return false;
    }

    /** A tag; {@code hasVideo} says whether the stream carries video as far as is known. Body borrowed. */
    void deliver(MediaTag tag, boolean hasVideo);

    /** The stream ended (or this subscriber was dropped): close the channel / tell the listener. Called once. */
    void end(EndReason reason);
}
