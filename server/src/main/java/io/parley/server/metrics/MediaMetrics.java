package io.parley.server.metrics;

import java.util.Locale;

/**
 * What the media plane reports. Called per packet on event loops, so implementations are a few adds: the meters
 * are resolved once, indexed by these enums. Every label value comes from an enum (no IDs).
 */
public interface MediaMetrics {
    /** The packet's protocol. */
    enum Kind {
        RTP, RTCP;

        final String label = name().toLowerCase(Locale.ROOT);
    }

    /** Towards the server (in) or from it (out). */
    enum Direction {
        IN, OUT;

        final String label = name().toLowerCase(Locale.ROOT);
    }

    /** Why a packet was not forwarded. */
    enum DropReason {
        /** Not parseable as RTP/RTCP (or SRTP). */
        MALFORMED,
        /** No transport for the source address (ICE not done, or it closed). */
        UNKNOWN_SOURCE,
        /** SRTP/SRTCP authentication failed. */
        SRTP_AUTH,
        /** SRTP replay protection rejected it. */
        REPLAY,
        /** No producer or consumer for its SSRC. */
        NO_ROUTE,
        /** The outbound socket was not writable. */
        UNWRITABLE;

        final String label = name().toLowerCase(Locale.ROOT);
    }

    void packet(Kind kind, Direction direction, int bytes);

    void dropped(Kind kind, DropReason reason, int bytes);

    /** From the packet's arrival to its last copy written to the consumers' socket. */
    void forwardLatency(long nanos);

    void transportOpened();

    void transportClosed();

    /** For tests and for a media plane running without metrics. */
    MediaMetrics NONE = new MediaMetrics() {
        @Override
        public void packet(Kind kind, Direction direction, int bytes) {}

        @Override
        public void dropped(Kind kind, DropReason reason, int bytes) {}

        @Override
        public void forwardLatency(long nanos) {}

        @Override
        public void transportOpened() {}

        @Override
        public void transportClosed() {}
    };
}
