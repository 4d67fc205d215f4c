package io.parley.server.sfu;

/**
 * What a Producer or Consumer reports to its owner, on the media loop, in order. The owner (a room) hops to its
 * own loop before acting; nothing here is encoded for a wire.
 */
public sealed interface MediaEvent {
    /** A Producer's state changed: PUBLISHING with the first packet, NO_PUBLISH when its media path ended. */
    record PublisherStateChanged(PublishState state, int errorCode, EndReason reason, String detail) implements MediaEvent {}

    /** A Consumer's state changed: PLAYING with the first packet forwarded, NO_PLAY when it ended. */
    record PlayerStateChanged(PlayState state, int errorCode, EndReason reason, String detail) implements MediaEvent {}

    /**
     * Every quality period (3 s) while media flows: the endpoint's totals at the period's start and end, snapshot on
     * the media loop; {@link #quality()} computes the period's figures on the reader's thread.
     */
    record QualityMeasured(QualitySample from, QualitySample to) implements MediaEvent {
        public MediaQuality quality() {
            return to.since(from);
        }
    }

    /**
     * The media path failed on its own (not by a signalling request): the Producer or Consumer is closed and the
     * owner must clean up (a failed publisher's stream leaves its room).
     */
    record Failed(int errorCode, String why) implements MediaEvent {}
}
