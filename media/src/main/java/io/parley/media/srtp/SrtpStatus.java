package io.parley.media.srtp;

/** Outcome of protecting or unprotecting one packet; the hot path returns these instead of throwing. */
public enum SrtpStatus {
    OK,
    /** Shorter than its header plus the SRTP/SRTCP trailer. */
    TOO_SHORT,
    /** Not RTP/RTCP version 2, or a header length that runs past the packet. */
    MALFORMED,
    /** Tag mismatch: forged, corrupted, or protected with other keys. */
    AUTH_FAILED,
    /** Already received, or too old for the replay window (or, on protect, an IV JCE refuses to reuse). */
    REPLAYED,
    /** The session already tracks its maximum number of SSRCs in this direction. */
    TOO_MANY_STREAMS
}
