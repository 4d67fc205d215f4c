package io.parley.server.sfu;

import java.util.Locale;

/** Why an inbound UDP datagram was dropped (each is counted; none disturbs anything else). */
public enum DropReason {
    /** Not STUN, and from an address no transport latched. */
    UNKNOWN_ADDRESS,
    /** Not a STUN, DTLS, RTP or RTCP packet, or a header that does not parse. */
    MALFORMED,
    /** A STUN request whose USERNAME names no transport (never answered). */
    STUN_UNKNOWN_USERNAME,
    /** A STUN request with no MESSAGE-INTEGRITY, or whose MESSAGE-INTEGRITY or FINGERPRINT does not verify. */
    STUN_BAD_INTEGRITY,
    /** A DTLS datagram that would start a handshake while the handshake limits are reached (the peer retransmits). */
    DTLS_BUSY,
    /** SRTP/SRTCP before the DTLS handshake gave keys. */
    NOT_CONNECTED,
    /** SRTP/SRTCP authentication failed, or a replay. */
    SRTP_AUTH_FAILED,
    /** RTP with an SSRC the publisher did not announce (or RTP sent on a player's transport). */
    UNKNOWN_SSRC;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
