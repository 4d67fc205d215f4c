package io.parley.server.rtmp;

/**
 * What happens to live streams, for the integrator (bridging to rooms and the SFU, starting and stopping
 * transcoders). Delivered in order, one at a time, on the executor given to {@link LiveStreams}; a listener
 * must not block it for long.
 */
public sealed interface LiveEvent {
    StreamKey key();

    /** A publisher was admitted and the stream is live (media may follow a moment later). */
    record PublishStarted(StreamKey key, PublishSession session) implements LiveEvent {}

    /** The publisher went away; the stream's players have been ended too. */
    record PublishEnded(StreamKey key, PublishSession session, EndReason reason) implements LiveEvent {}

    /**
     * A subscriber of the given form was added. {@code formCount} is the number of that form on the stream after
     * the change; {@code live} says whether the stream had a publisher then (false: the subscriber waits).
     */
    record SubscriberJoined(StreamKey key, Form form, int formCount, boolean live, Subscriber subscriber)
            implements LiveEvent {}

    /** A subscriber went away; {@code formCount} is the number of that form left. */
    record SubscriberLeft(StreamKey key, Form form, int formCount, EndReason reason, Subscriber subscriber)
            implements LiveEvent {}

    /** The publisher's first audio or video (not a header) arrived: the stream really carries media now. */
    record PublisherMediaStarted(StreamKey key, PublishSession session) implements LiveEvent {}

    /** A player's first audio or video (not a header) was written to it. */
    record SubscriberPlaying(StreamKey key, Subscriber subscriber) implements LiveEvent {}

    /** Receives the events. */
    @FunctionalInterface
    interface Listener {
        void onEvent(LiveEvent event);

        Listener NONE = e -> {};
    }
}
