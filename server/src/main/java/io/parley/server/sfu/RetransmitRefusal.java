package io.parley.server.sfu;

import java.util.Locale;

/** Why a packet a player NACKed was not sent again (each is counted: {@code parley_media_retransmissions_refused_total}). */
public enum RetransmitRefusal {
    /** Named again (in the same NACK or a later one) before an RTT passed since it was last resent. */
    TOO_SOON,
    /** Already resent {@code media.nackMaxResends} times to this player. */
    PACKET_LIMIT,
    /** The player's retransmission budget for this second is spent ({@code media.retransmitBudgetPercent}). */
    BUDGET,
    /** No longer (or never) in the Producer's retransmission cache. */
    NOT_CACHED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
