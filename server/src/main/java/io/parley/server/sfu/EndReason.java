package io.parley.server.sfu;

/** Why a Producer's or Consumer's media stopped (the gateway turns it into the state update's extendedData). */
public enum EndReason {
    /** Not stopped (a state that is not an end), or stopped by a signalling request. */
    NONE,
    /** The peer closed its DTLS association (close_notify): an orderly end of the media path. */
    PEER_CLOSED,
    /** The player's Producer closed. */
    PUBLISHER_STOPPED,
    /** ICE, DTLS or consent failed; the event's {@code detail} says how. */
    MEDIA_FAILED,
    /** An RTMP publisher's connection ended without stopPublishing. */
    RTMP_DISCONNECTED,
    /** An RTMP or HTTP-FLV player's connection ended. */
    PLAYER_DISCONNECTED
}
