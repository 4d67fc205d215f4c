package io.parley.server.sfu;

/**
 * A Producer (publisher side) or a Consumer (player side): owns a transport of its own, shares a client's
 * {@link SessionTransport} (BUNDLE), or has none (in-process). Media loop only.
 */
abstract sealed class MediaEndpoint extends TransportOwner permits Producer, Consumer {
    /** Which tick of the report cycle this endpoint's reports fall on, so reports spread over the period. */
    int tickPhase;

    /** The client's bundled transport this endpoint shares (then {@code transport} is its WebRtcTransport), or null. */
    SessionTransport bundle;

    /** True once closed for any reason; any thread. */
    abstract boolean ended();
}
